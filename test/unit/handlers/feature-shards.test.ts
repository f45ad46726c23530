import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { featurePaths, manifestKey } from '../../../lambdas/contracts/layout';
import { buildManifest, type SnapshotObject } from '../../../lambdas/core/snapshot';
import type { ShardItem } from '../../../lambdas/feature-shards/shard-plan';
import { startLocalS3, type LocalS3 } from '../../../lib/local/services/s3';
import { makeConfig } from '../../helpers/config';

/**
 * Step Functions retries a step (its Retry, a redrive): every step of the Distributed Map path run
 * a second time leaves what the first wrote as it was, and returns what the first returned.
 */
const BUCKET = 'data';
const SAMPLE = readFileSync(path.join(__dirname, '..', '..', '..', 'data', 'mlc_churn.csv'), 'utf8');
const config = makeConfig();
const processing = { dataset: config.dataset, features: config.features, maxBadRowShare: config.retraining.maxBadRowShare };

let localS3: LocalS3;
let s3: S3Client;
let handler: typeof import('../../../lambdas/feature-shards/handler').handler;

beforeAll(async () => {
  localS3 = await startLocalS3({ buckets: [BUCKET], versionedBuckets: [BUCKET] });
  Object.assign(process.env, localS3.clientEnv);
  s3 = new S3Client({});
  ({ handler } = await import('../../../lambdas/feature-shards/handler'));
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
  return (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
}

async function keys(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

/** Each object's current version id: unchanged means not written again. */
async function versions(list: string[]): Promise<Record<string, string | undefined>> {
  return Object.fromEntries(await Promise.all(list.map(async (Key) => [Key, (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key }))).VersionId])));
}

test('GIVEN each step of the Distributed Map path WHEN it runs again with the same input THEN it writes nothing new and returns the same', async () => {
  const [header, ...rows] = SAMPLE.trimEnd().split('\n');
  const half = Math.ceil(rows.length / 2);
  const objects = [
    await put('raw/a.csv', [header, ...rows.slice(0, half)].join('\n') + '\n'),
    await put('raw/b.csv', [header, ...rows.slice(half)].join('\n') + '\n'),
  ];
  const manifest = buildManifest(BUCKET, 'raw/', objects);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey(manifest.runId), Body: JSON.stringify(manifest) }));
  const { runId } = manifest;
  const paths = featurePaths(runId);

  // Plan: written once; a retry (even with another shardBytes) returns the stored plan.
  const plan = { step: 'plan', runId, manifest: { bucket: BUCKET, key: manifestKey(runId) }, shardBytes: 100_000 };
  const planned = await handler(plan);
  const planVersion = await versions([paths.shardPlan]);
  expect(await handler({ ...plan, shardBytes: 1_000_000 })).toEqual(planned);
  expect(await versions([paths.shardPlan])).toEqual(planVersion);
  const items = JSON.parse(await text(paths.shardPlan)) as ShardItem[];
  expect(items.length).toBeGreaterThan(2); // the files were cut into byte ranges

  // Gather: a shard already gathered is skipped.
  const gather = { step: 'gather', runId, bucket: BUCKET, items, config: processing };
  const gathered = await handler(gather);
  const pass1 = await versions([...(await keys(`${paths.base}shards/`)), ...(await keys(`scratch/${runId}/`))]);
  expect(Object.keys(pass1).filter((k) => k.endsWith('.pending'))).toHaveLength(2 * items.length);
  expect(await handler(gather)).toEqual(gathered);
  expect(await versions(Object.keys(pass1))).toEqual(pass1);

  // Merge and encode: deterministic by shard, so a retry writes the same bytes under the same keys.
  const merge = { step: 'merge', runId, bucket: BUCKET, config: processing };
  const encode = { step: 'encode', runId, bucket: BUCKET, items, trainParts: 1 };
  const merged = await handler(merge);
  await handler(encode);
  const outputs = [
    paths.spec,
    paths.baseline,
    paths.summary,
    paths.shardResult,
    ...(await keys(`${paths.base}train/`)),
    ...(await keys(`${paths.base}validation/`)),
  ];
  const first = await Promise.all(outputs.map(text));
  expect(await handler(merge)).toEqual(merged);
  await handler(encode);
  expect(await keys(`${paths.base}train/`)).toEqual(outputs.filter((k) => k.startsWith(`${paths.base}train/`)));
  expect(await Promise.all(outputs.map(text))).toEqual(first);

  // Finish: _SUCCESS, then the pending rows go; a retry finds them gone and returns the same.
  const finish = { step: 'finish', runId, bucket: BUCKET };
  const finished = await handler(finish);
  expect(await keys(`scratch/${runId}/`)).toEqual([]);
  expect(await handler(finish)).toEqual(finished);
  expect(JSON.parse(await text(paths.success))).toEqual(finished);
}, 120_000);
