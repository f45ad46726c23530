import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { FeatureProcessingEvent, FeatureProcessingResult } from '../../../lambdas/feature-processing/handler';
import type { Baseline } from '../../../lambdas/core/features/baseline';
import type { FeatureSpec } from '../../../lambdas/core/features/feature-spec';
import { manifestKey } from '../../../lambdas/contracts/layout';
import { buildManifest, type SnapshotObject } from '../../../lambdas/core/snapshot';
import { startLocalS3, type LocalS3 } from '../../../lib/local/services/s3';
import { makeConfig } from '../../helpers/config';

const BUCKET = 'data';
const SAMPLE = readFileSync(path.join(__dirname, '..', '..', '..', 'data', 'mlc_churn.csv'), 'utf8');
const config = makeConfig();

let localS3: LocalS3;
let s3: S3Client;
let handler: typeof import('../../../lambdas/feature-processing/handler').handler;

beforeAll(async () => {
  localS3 = await startLocalS3({ buckets: [BUCKET] });
  Object.assign(process.env, localS3.clientEnv);
  s3 = new S3Client({});
  ({ handler } = await import('../../../lambdas/feature-processing/handler'));
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterAll(async () => {
  jest.restoreAllMocks();
  s3.destroy();
  await localS3.close();
});

async function put(key: string, body: string): Promise<SnapshotObject> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  return { key, versionId: head.VersionId ?? null, etag: head.ETag!, size: head.ContentLength! };
}

async function text(key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return object.Body!.transformToString();
}

async function exists(key: string): Promise<boolean> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
  return (listed.Contents ?? []).some((o) => o.Key === key);
}

/** Writes the manifest as the trigger does and returns the state machine's task input. */
async function eventFor(objects: SnapshotObject[], maxBadRowShare = config.retraining.maxBadRowShare, trainParts = 1): Promise<FeatureProcessingEvent> {
  const manifest = buildManifest(BUCKET, 'raw/', objects);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey(manifest.runId), Body: JSON.stringify(manifest) }));
  return {
    runId: manifest.runId,
    manifest: { bucket: BUCKET, key: manifestKey(manifest.runId) },
    config: { dataset: config.dataset, features: config.features, maxBadRowShare, trainParts },
  };
}

const BAD_ROWS = [
  '"state","account_length","area_code","international_plan","voice_mail_plan","number_vmail_messages","total_day_minutes","total_day_calls","total_day_charge","total_eve_minutes","total_eve_calls","total_eve_charge","total_night_minutes","total_night_calls","total_night_charge","total_intl_minutes","total_intl_calls","total_intl_charge","number_customer_service_calls","churn"',
  '"KS",128,"area_code_415","no","yes",25,265.1,110,45.07,197.4,99,16.78,244.7,91,11.01,10,3,2.7,1,"no"',
  '"OH",abc,"area_code_415","no","yes",26,161.6,123,27.47,195.5,103,16.62,254.4,103,11.45,13.7,3,3.7,1,"no"',
  '"NJ",137,"area_code_415","no","no",0,243.4,114,41.38,121.2,110,10.3,162.6,104,7.32,12.2,5,3.29,0,"maybe"',
  '"OH",84,"area_code_408","perhaps","no",0,299.4,71,50.9,61.9,88,5.26,196.9,89,8.86,6.6,7,1.78,2,"no"',
].join('\r\n');

describe('feature-processing handler against a local S3', () => {
  test('GIVEN the sample data and a file with bad rows THEN every output is written and consistent', async () => {
    const sample = await put('raw/churn/mlc_churn.csv', SAMPLE);
    const bad = await put('raw/churn/bad.csv', BAD_ROWS);
    const event = await eventFor([sample, bad]);

    const result: FeatureProcessingResult = await handler(event);

    expect(result.summary).toMatchObject({ rowsRead: 5004, accepted: 5001, rejected: 3, fileCount: 2 });
    expect(result.summary.rejectedByReason).toEqual({
      'account_length: not a number': 1,
      'churn: not an allowed value': 1,
      'international_plan: not a boolean (yes/no, true/false, 1/0)': 1,
    });
    expect(result.summary.train + result.summary.validation).toBe(5001);

    const train = (await text(`features/${event.runId}/train/part-00000.csv`)).trimEnd().split('\n');
    const validation = (await text(`features/${event.runId}/validation/part-00000.csv`)).trimEnd().split('\n');
    expect(train).toHaveLength(result.summary.train);
    expect(validation).toHaveLength(result.summary.validation);
    for (const line of [...train, ...validation]) expect(line).toMatch(/^[01](,[0-9.]*){19}$/);
    // The sample's churn rate (14.1%) survives the encoding.
    const positives = [...train, ...validation].filter((l) => l.startsWith('1,')).length;
    expect(positives).toBe(SAMPLE.split('\n').filter((l) => l.endsWith('"yes"')).length);

    const quarantine = (await text(`quarantine/${event.runId}/rejected.jsonl`))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(quarantine.map((q) => [q.file, q.line, q.issues[0].column])).toEqual([
      ['raw/churn/bad.csv', 3, 'account_length'],
      ['raw/churn/bad.csv', 4, 'churn'],
      ['raw/churn/bad.csv', 5, 'international_plan'],
    ]);

    const spec = JSON.parse(await text(`features/${event.runId}/feature-spec.json`)) as FeatureSpec;
    expect(spec.features).toHaveLength(19);
    expect(spec.target).toEqual({ name: 'churn', type: 'categorical', positiveClass: 'yes' });
    const baseline = JSON.parse(await text(`features/${event.runId}/baseline.json`)) as Baseline;
    expect(baseline.rows).toBe(result.summary.train);
    expect(baseline.features.find((f) => f.name === 'total_day_minutes')).toMatchObject({ type: 'numeric', missing: 0 });
    expect(JSON.parse(await text(`features/${event.runId}/_SUCCESS`))).toEqual(result);
    expect(result.trainPrefix).toBe(`s3://${BUCKET}/features/${event.runId}/train/`);

    // The raw data is untouched.
    expect(await text('raw/churn/mlc_churn.csv')).toBe(SAMPLE);
  });

  test('GIVEN 3 training parts (3 training instances) THEN the training rows are split into 3 part files in order, whose concatenation is the 1-part output byte for byte', async () => {
    const one = await handler(await eventFor([await put('raw/one-part/mlc_churn.csv', SAMPLE)]));
    const three = await handler(await eventFor([await put('raw/three-parts/mlc_churn.csv', SAMPLE)], config.retraining.maxBadRowShare, 3));
    const partKeys = async (prefix: string) =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
    const keys = await partKeys(`features/${three.runId}/train/`);
    expect(keys.map((k) => k.split('/').at(-1))).toEqual(['part-00000.csv', 'part-00001.csv', 'part-00002.csv']);
    const parts = await Promise.all(keys.map(text));
    const rows = parts.map((p) => p.trimEnd().split('\n').length);
    // ⌈4040 / 3⌉ = 1347 rows in each part but the last.
    expect(rows).toEqual([1347, 1347, three.summary.train - 2 * 1347]);
    expect(parts.join('')).toBe(await text(`features/${one.runId}/train/part-00000.csv`));
    expect(await partKeys(`features/${three.runId}/validation/`)).toEqual([`features/${three.runId}/validation/part-00000.csv`]);
  });

  test('GIVEN more training parts than training rows THEN only parts with rows are written (an empty object would be no data for its instance)', async () => {
    const tiny = [BAD_ROWS.split('\r\n')[0], ...SAMPLE.split('\n').slice(1, 21)].join('\n');
    const result = await handler(await eventFor([await put('raw/tiny/rows.csv', tiny)], config.retraining.maxBadRowShare, 100));
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `features/${result.runId}/train/` }))).Contents ?? [];
    expect(listed).toHaveLength(result.summary.train);
    expect(listed.every((o) => (o.Size ?? 0) > 0)).toBe(true);
  });

  test('GIVEN a run that already succeeded WHEN retried THEN the stored result is returned without reprocessing', async () => {
    const event = await eventFor([await put('raw/retry/mlc_churn.csv', SAMPLE)]);
    const first = await handler(event);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `features/${event.runId}/train/part-00000.csv`, Body: 'sentinel' }));
    expect(await handler(event)).toEqual(first);
    expect(await text(`features/${event.runId}/train/part-00000.csv`)).toBe('sentinel');
  });

  test('GIVEN too many bad rows THEN the run fails, keeps the quarantine and leaves no completion marker', async () => {
    const event = await eventFor([await put('raw/toobad/bad.csv', BAD_ROWS)], 0.05);
    await expect(handler(event)).rejects.toThrow('3 of 4 rows (75.0%) were rejected, more than the allowed 5.0% (retraining.maxBadRowShare)');
    expect(await exists(`features/${event.runId}/_SUCCESS`)).toBe(false);
    expect(await exists(`features/${event.runId}/train/part-00000.csv`)).toBe(false);
    expect((await text(`quarantine/${event.runId}/rejected.jsonl`)).trimEnd().split('\n')).toHaveLength(3);
  });

  test('GIVEN rows quarantined from one file and a format error in the next THEN the run fails and the rejected rows are still kept', async () => {
    const bad = await put('raw/format/a.csv', BAD_ROWS);
    const broken = await put('raw/format/b.csv', `${BAD_ROWS.split('\r\n')[0]}\n"KS,128\n`);
    const event = await eventFor([bad, broken], 1);
    await expect(handler(event)).rejects.toThrow('raw/format/b.csv: line 2');
    const kept = (await text(`quarantine/${event.runId}/rejected.jsonl`)).trimEnd().split('\n');
    expect(kept.map((l) => (JSON.parse(l) as { file: string }).file)).toEqual(['raw/format/a.csv', 'raw/format/a.csv', 'raw/format/a.csv']);
    expect(await exists(`features/${event.runId}/_SUCCESS`)).toBe(false);
  });

  test('GIVEN a manifest with skipped objects THEN the summary lists them and the result counts them', async () => {
    const data = await put('raw/skips/data.csv', SAMPLE);
    const skipped = [{ key: 'raw/skips/notes.txt', size: 5, reason: 'not a CSV file (data keys end in .csv or .csv.gz)' }];
    const manifest = buildManifest(BUCKET, 'raw/', [data], undefined, skipped);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey(manifest.runId), Body: JSON.stringify(manifest) }));
    const result = await handler({
      runId: manifest.runId,
      manifest: { bucket: BUCKET, key: manifestKey(manifest.runId) },
      config: { dataset: config.dataset, features: config.features, maxBadRowShare: 0.05 },
    });
    expect(result.summary.skippedObjects).toBe(1);
    expect(JSON.parse(await text(`features/${manifest.runId}/summary.json`))).toMatchObject({ skippedObjects: skipped });
  });

  test('GIVEN an object changed after the snapshot THEN the run fails instead of reading other data', async () => {
    const pinned = await put('raw/changed/data.csv', SAMPLE);
    const event = await eventFor([pinned]);
    await put('raw/changed/data.csv', SAMPLE.replace('"KS",128', '"KS",129'));
    // The local S3 refuses the read as S3 does (If-Match); the error names the object.
    await expect(handler(event)).rejects.toThrow(
      /^s3:\/\/[\w-]+\/raw\/changed\/data\.csv changed since the snapshot was taken \(ETag now different, expected "[0-9a-f]{32}"\): PreconditionFailed$/,
    );
    expect(await exists(`features/${event.runId}/_SUCCESS`)).toBe(false);
  });

  test('GIVEN an input without the config THEN the error names the missing field', async () => {
    await expect(handler({ runId: 'r1', manifest: { bucket: BUCKET, key: 'k' } })).rejects.toThrow(
      'invalid feature-processing input: config: Invalid input: expected object, received undefined',
    );
  });
});
