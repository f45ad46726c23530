import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DescribeTrainingJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { loadConfig } from '../../lib/config';
import { startControlServer, type ControlServer } from '../../lib/local/cli/control-server';
import { LocalMlops } from '../../lib/local/runtime/local-mlops';
import { synthesizeTemplate } from '../../lib/local/template/synth';

/** The long-lived local environment (`mlops up`): failures, idempotency and the control API. */
const config = loadConfig();
const template = synthesizeTemplate(config);
const sample = readFileSync(path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv'), 'utf8');
const header = sample.slice(0, sample.indexOf('\n') + 1);
let local: LocalMlops;
let directory: string;
let control: ControlServer;

async function post(route: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${control.endpoint}${route}`, { method: 'POST', body, headers: { authorization: `Bearer ${control.token}` } });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

test('GIVEN a port in use WHEN the environment starts THEN the error names the port', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    await expect(LocalMlops.start({ template, directory: mkdtempSync(path.join(tmpdir(), 'mlops-port-')), ports: { s3: port } })).rejects.toThrow(
      `port ${port} on 127.0.0.1 is already in use`,
    );
  } finally {
    blocker.close();
  }
});

describe('a running local environment', () => {
  beforeAll(async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    directory = mkdtempSync(path.join(tmpdir(), 'mlops-env-'));
    // Scratch data a killed process left behind.
    mkdirSync(path.join(directory, 'tmp', 'mlops-spill-killed'), { recursive: true });
    writeFileSync(path.join(directory, 'tmp', 'mlops-spill-killed', 'train.part'), 'x'.repeat(1000));
    local = await LocalMlops.start({ template, directory });
    control = await startControlServer(local);
    await local.upload('raw/churn.csv', sample);
    await local.idle();
  }, 60_000);
  afterAll(async () => {
    await control.close();
    await local.stop();
    // Stopping removes the scratch space with the environment's work done.
    expect(existsSync(path.join(directory, 'tmp'))).toBe(false);
    jest.restoreAllMocks();
  });

  test('WHEN an SDK client sends SageMaker a request its API model refuses THEN the local service refuses it as SageMaker does (the model is on)', async () => {
    expect(local.requestChecks).toMatch(/^requests checked against AWS's service models in /);
    const sagemaker = new SageMakerClient({});
    try {
      await expect(sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'churn_1' }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining("Value 'churn_1' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern"),
      });
    } finally {
      sagemaker.destroy();
    }
  });

  test('WHEN the control API is called without the token, from a web page, or under another Host name THEN it refuses, and with the token it answers (the control)', async () => {
    const status = (headers: Record<string, string>) => fetch(`${control.endpoint}/status`, { headers }).then((r) => r.status);
    const token = { authorization: `Bearer ${control.token}` };
    expect(await status({})).toBe(401);
    expect(await status({ authorization: 'Bearer wrong' })).toBe(401);
    expect(await status({ ...token, origin: 'https://attacker.example' })).toBe(403);
    // fetch will not send another Host; node:http does.
    const rebound = await new Promise<number>((resolve, reject) =>
      request(`${control.endpoint}/status`, { headers: { ...token, host: 'rebound.attacker.example' } }, (r) => resolve(r.statusCode!))
        .on('error', reject)
        .end(),
    );
    expect(rebound).toBe(400);
    expect(await status(token)).toBe(200);
  });

  test("WHEN the environment started THEN the handlers' scratch space is its tmp/, swept of what a killed process left, and empty after the run", () => {
    expect(process.env.TMPDIR).toBe(path.join(directory, 'tmp'));
    expect(readdirSync(path.join(directory, 'tmp'))).toEqual([]);
  });

  test('WHEN the same bytes are uploaded again THEN the versioned bucket makes a new version, so a new snapshot and one new run (as on AWS), whose manifest pins that version', async () => {
    await local.upload('raw/churn.csv', sample);
    await local.idle();
    expect(local.stepFunctions.executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [first, second] = local.stepFunctions.executions.map(
      (e) => JSON.parse(e.input) as { runId: string; manifest: { bucket: string; key: string; hash: string } },
    );
    expect(second.runId).not.toBe(first.runId);
    expect(second.manifest.hash).not.toBe(first.manifest.hash);
    const pinned = async (manifest: typeof first.manifest) => {
      const body = await (await local.s3.send(new GetObjectCommand({ Bucket: manifest.bucket, Key: manifest.key }))).Body!.transformToString();
      return (JSON.parse(body) as { objects: { key: string; versionId: string | null }[] }).objects.map((o) => o.versionId);
    };
    const [before, after] = [await pinned(first.manifest), await pinned(second.manifest)];
    expect(before).toEqual([expect.stringMatching(/^[0-9a-z]{9}[A-Za-z0-9]{23}$/)]);
    expect(after).toEqual([expect.stringMatching(/^[0-9a-z]{9}[A-Za-z0-9]{23}$/)]);
    expect(after).not.toEqual(before);
    expect(local.queues.size).toBe(1);
    expect([...local.queues.values()][0].deadLetters).toHaveLength(0);
  });

  test('WHEN a notes.txt is uploaded under raw/ THEN the trigger publishes through the local SNS (signed, checked, under its role) that it was skipped, and no run starts', async () => {
    const runs = local.stepFunctions.executions.length;
    const notices = local.notifier.notifications.length;
    await local.upload('raw/notes.txt', 'remember to upload the March file');
    await local.idle();
    expect(local.stepFunctions.executions).toHaveLength(runs);
    const published = local.notifier.notifications.slice(notices);
    expect(published).toHaveLength(1);
    expect(published[0].subject).toBe('[churn] Uploads skipped: not data');
    expect(published[0].message).toContain('- raw/notes.txt (33 bytes): not a CSV file (data keys end in .csv or .csv.gz)');
    expect(published[0].topicArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:/);
  });

  test('WHEN raw rows are posted to predict THEN the endpoint scores each with the deployed spec', async () => {
    const rows = sample.trimEnd().split('\n').slice(1, 6).join('\n');
    const { status, json } = await post('/predict', `${header}${rows}\n`);
    expect(status).toBe(200);
    const predictions = json.predictions as number[];
    expect(predictions).toHaveLength(5);
    for (const p of predictions) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
  });

  test('WHEN predict gets records the training rules refuse (a bad boolean, a short row, a value below its minimum) THEN every problem is named by record, line and column, and nothing is scored', async () => {
    const [good, second] = sample.split('\n').slice(1, 3);
    const badBoolean = good.replace('"no","yes"', '"perhaps","yes"');
    const short = second.split(',').slice(0, 5).join(',');
    const belowMinimum = good.replace(/^("\w+"),\d+,/, '$1,-5,');
    const { status, json } = await post('/predict', `${header}${good}\n${badBoolean}\n${short}\n${belowMinimum}\n`);
    expect(status).toBe(400);
    expect(json.error).toMatch(/^the predict input: 3 of 4 records cannot be scored \(nothing was scored\): /);
    expect(json.error).toContain('record 2 (line 3): international_plan "perhaps": not a boolean');
    expect(json.error).toMatch(/record 3 \(line 4\): \(row\): expected 20 fields, found 5/);
    expect(json.error).toMatch(/record 4 \(line 5\): account_length "-5": below the minimum/);
  });

  test('WHEN a header-only file joins the data THEN the run fails, says why, alarms, and the endpoint keeps the model', async () => {
    const before = local.deployedModel().modelPackageArn;
    const published = local.notifier.notifications.length;
    await local.upload('raw/empty.csv', header);
    await local.idle();
    const failed = local.stepFunctions.executions.at(-1)!;
    expect(failed.status).toBe('FAILED');
    const failure = local.notifier.notifications.slice(published).map((n) => JSON.parse(n.message) as Record<string, unknown>);
    expect(failure[0]).toMatchObject({ runId: failed.name, outcome: 'FAILED' });
    expect(JSON.stringify(failure[0])).toMatch(/raw\/empty\.csv/);
    expect(local.deployedModel().modelPackageArn).toBe(before);
    expect((await local.sagemaker.describeEndpoint({ EndpointName: config.deployment.endpointName })).EndpointStatus).toBe('InService');

    const transitions = local.evaluateAlarms();
    expect(transitions.filter((t) => t.to === 'ALARM').map((t) => t.alarm.metricName)).toEqual(['ExecutionsFailed']);
  });

  test('WHEN the drift check runs through the control API THEN it reports on the captured traffic, and its HTML report is copied under the state directory', async () => {
    const { status, json } = await post('/drift', '{}');
    expect(status).toBe(200);
    expect((json.result as { status: string; summary: { rows: number; insufficientData: boolean } }).summary).toMatchObject({
      rows: 5,
      insufficientData: true,
    });
    const reportFile = json.reportFile as string;
    expect(path.dirname(reportFile)).toBe(path.join(directory, 'reports'));
    expect(path.basename(reportFile)).toMatch(/^drift-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.html$/);
    expect(readFileSync(reportFile, 'utf8')).toContain('<html');
  });
});
