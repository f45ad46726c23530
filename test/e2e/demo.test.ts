import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parseCaptureLine } from '../../lambdas/core/drift/capture';
import { loadConfig } from '../../lib/config';
import { runDemo, type DemoResult } from '../../lib/local/cli/demo';
import type { LocalMlops } from '../../lib/local/runtime/local-mlops';

/** `npm run demo` end to end on the shipped sample: every stage's real outcome, read back from the local services. */
const config = loadConfig();
const directory = mkdtempSync(path.join(tmpdir(), 'mlops-e2e-'));
let result: DemoResult;
const seen: { keys: Record<string, string[]>; capture: string[]; captureLine: string; endpointStatus?: string; deployedPackage?: string } = {
  keys: {},
  capture: [],
  captureLine: '',
};

async function keysOf(local: LocalMlops, bucket: string, prefix = ''): Promise<string[]> {
  const page = await local.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!);
}

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  result = await runDemo({
    config,
    sample: readFileSync(path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv')),
    directory,
    print: () => undefined,
    beforeStop: async (local) => {
      for (const variable of ['DATA_BUCKET', 'CAPTURE_BUCKET']) seen.keys[variable] = await keysOf(local, local.functionSetting(variable));
      const models = Object.values(local.buckets).find((b) => b.includes('models'))!;
      seen.keys.MODELS = await keysOf(local, models);
      const captureBucket = local.functionSetting('CAPTURE_BUCKET');
      seen.capture = seen.keys.CAPTURE_BUCKET;
      const object = await local.s3.send(new GetObjectCommand({ Bucket: captureBucket, Key: seen.capture[0] }));
      seen.captureLine = (await object.Body!.transformToString()).split('\n')[0];
      seen.endpointStatus = (await local.sagemaker.describeEndpoint({ EndpointName: config.deployment.endpointName })).EndpointStatus;
      seen.deployedPackage = local.deployedModel().modelPackageArn;
    },
  });
}, 120_000);
afterAll(() => jest.restoreAllMocks());

describe('the local demo, end to end', () => {
  test('THEN the upload trains and deploys, drift retrains and is gated out, and the second upload updates the endpoint', () => {
    expect(result.runs.map((r) => [r.name.split('-')[0], r.status, r.outcome])).toEqual([
      ['snapshot', 'SUCCEEDED', 'DEPLOYED'],
      ['drift', 'SUCCEEDED', 'REJECTED'],
      ['snapshot', 'SUCCEEDED', 'DEPLOYED'],
    ]);
    expect(result.runs[1].decision).toMatch(/ties production/);
    expect(result.runs[2].decision).toMatch(/beats production/);
    expect(seen.endpointStatus).toBe('InService');
    expect(seen.deployedPackage).toMatch(/model-package\/churn-models-[0-9a-f]{8}\/2$/);
  });

  test('THEN the data bucket holds every run output and the rejected rows with their reasons', () => {
    const [first, , second] = result.runs.map((r) => r.name);
    const data = seen.keys.DATA_BUCKET;
    for (const run of [first, second]) {
      for (const file of [
        'manifest.json',
        'train/part-00000.csv',
        'validation/part-00000.csv',
        'feature-spec.json',
        'baseline.json',
        'summary.json',
        '_SUCCESS',
      ]) {
        expect(data).toContain(`features/${run}/${file}`);
      }
    }
    expect(data).toContain(`quarantine/${second}/rejected.jsonl`);
    expect(data).toEqual(expect.arrayContaining(['raw/churn-part-1.csv', 'raw/churn-part-2.csv', 'drift/churn-endpoint/latest/report.html']));
    expect(seen.keys.MODELS.filter((k) => k.endsWith('/output/model.tar.gz'))).toHaveLength(3);
  });

  test('THEN the deployed model predicts held-out rows far better than chance, through the real runtime SDK', () => {
    expect(result.heldOutAuc).toBeGreaterThan(0.85);
  });

  test('THEN capture files follow SageMaker layout and format', () => {
    expect(seen.capture.length).toBeGreaterThanOrEqual(3);
    for (const key of seen.capture) expect(key).toMatch(/^capture\/churn-endpoint\/AllTraffic\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/.+\.jsonl$/);
    expect(parseCaptureLine(seen.captureLine).rows).toHaveLength(100);
  });

  test('THEN drift is found in the shifted hours and not in the normal one', () => {
    expect(result.driftChecks.map((c) => [c.traffic, c.status, c.summary?.datasetDrift])).toEqual([
      ['normal', 'checked', false],
      ['drifted', 'checked', true],
      ['drifted', 'checked', true],
    ]);
    expect(result.driftChecks[0].summary!.driftedShare).toBeLessThan(config.monitoring.thresholds.driftedShare);
  });

  test('THEN the data set drift alarm fires on the second drifted hour and its notification is written', () => {
    const toAlarm = result.alarmTransitions.filter((t) => t.to === 'ALARM');
    expect(toAlarm.map((t) => t.alarm.metricName)).toEqual(['DriftedFeatureShare']);
    const notifications = readFileSync(result.notificationsFile, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { subject: string; message: string });
    const alarm = notifications.find((n) => n.subject.startsWith('ALARM:'));
    expect(JSON.parse(alarm!.message)).toMatchObject({ NewStateValue: 'ALARM', OldStateValue: 'OK', Trigger: { MetricName: 'DriftedFeatureShare' } });
    expect(readFileSync(result.reportFile, 'utf8')).toContain('<svg');
  });

  test('THEN it takes well under a minute', () => {
    expect(result.wallTimeMs).toBeLessThan(60_000);
  });
});
