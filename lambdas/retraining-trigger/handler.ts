import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { RetrainingInput } from '../contracts/events';
import { manifestKey } from '../contracts/layout';
import { MalformedEventError, parseTriggerEvent } from '../core/trigger-event';
import { buildManifest, driftRunId, isFolderMarker, skippedUploadsNotice, skipReason, type SkippedObject, type SnapshotObject } from '../core/snapshot';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';

const s3 = new S3Client({});
const sfn = new SFNClient({});
const sns = new SNSClient({});
const logger = createLogger('retraining-trigger');

/**
 * Publishes the uploads that are not data to the notification topic, when one is configured. A
 * failed publish is logged, never fatal: the notice must not hold back the run of the data.
 */
async function notifySkipped(skipped: readonly SkippedObject[], rawPrefix: string): Promise<void> {
  const topicArn = process.env.NOTIFICATION_TOPIC_ARN;
  if (skipped.length === 0 || !topicArn) return;
  const { subject, message } = skippedUploadsNotice(skipped, rawPrefix, process.env.DATASET_NAME);
  try {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
  } catch (err) {
    logger.error('could not notify the skipped uploads', { topicArn, error: `${(err as Error).name}: ${(err as Error).message}` });
  }
}

/** The input every retraining execution starts with. */
const HEAD_CONCURRENCY = 8;

/**
 * Lists the current data objects under the prefix, each pinned to its current version, and the
 * objects that are not data (a notes.txt, an empty upload), which are skipped instead of failing
 * every later run.
 */
async function listSnapshot(bucket: string, prefix: string): Promise<{ objects: SnapshotObject[]; skipped: SkippedObject[] }> {
  const keys: string[] = [];
  const skipped: SkippedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const obj of page.Contents ?? []) {
      if (!obj.Key || isFolderMarker(obj.Key)) continue;
      const reason = skipReason(obj.Key, obj.Size ?? 0);
      if (reason === undefined) keys.push(obj.Key);
      else skipped.push({ key: obj.Key, size: obj.Size ?? 0, reason });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  // HeadObject gives the version id and ETag of one consistent current version per key.
  const objects: SnapshotObject[] = [];
  for (let i = 0; i < keys.length; i += HEAD_CONCURRENCY) {
    const heads = await Promise.all(keys.slice(i, i + HEAD_CONCURRENCY).map((Key) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))));
    heads.forEach((head, j) => objects.push({ key: keys[i + j], versionId: head.VersionId ?? null, etag: head.ETag ?? '', size: head.ContentLength ?? 0 }));
  }
  return { objects, skipped };
}

async function runInProgress(stateMachineArn: string): Promise<string | undefined> {
  const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1 }));
  return running.executions?.[0]?.name;
}

/**
 * Starts one retraining run for the current data snapshot. Events are only a signal that the
 * snapshot changed: a whole debounced batch becomes one run. While a run is in progress every
 * event of the batch is reported failed so SQS delivers it again later; nothing is lost.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const bucket = requireEnv('DATA_BUCKET');
  const rawPrefix = requireEnv('RAW_PREFIX');
  const stateMachineArn = requireEnv('STATE_MACHINE_ARN');

  const malformed: SQSBatchItemFailure[] = [];
  const valid: SQSBatchItemFailure[] = [];
  let uploads = 0;
  const uploadedKeys = new Set<string>();
  for (const record of event.Records ?? []) {
    try {
      const parsed = parseTriggerEvent(record.body);
      if (parsed.kind === 'drift') {
        valid.push({ itemIdentifier: record.messageId });
        continue;
      }
      const created = parsed;
      if (created.bucket !== bucket) throw new MalformedEventError(`detail.bucket.name is "${created.bucket}", expected "${bucket}"`);
      if (!created.key.startsWith(rawPrefix)) throw new MalformedEventError(`detail.object.key "${created.key}" is not under "${rawPrefix}"`);
      valid.push({ itemIdentifier: record.messageId });
      uploads++;
      uploadedKeys.add(created.key);
    } catch (err) {
      if (!(err instanceof MalformedEventError)) throw err;
      logger.error('malformed event: it will be retried and then moved to the dead-letter queue', { messageId: record.messageId, reason: err.message });
      malformed.push({ itemIdentifier: record.messageId });
    }
  }
  if (valid.length === 0) return { batchItemFailures: malformed };

  const running = await runInProgress(stateMachineArn);
  if (running) {
    logger.info('a run is in progress: deferring the upload events until it ends', { runningExecution: running, deferredEvents: valid.length });
    return { batchItemFailures: [...malformed, ...valid] };
  }

  const { objects, skipped } = await listSnapshot(bucket, rawPrefix);
  if (skipped.length > 0) logger.warn('objects under the raw prefix that are not data are skipped', { skipped: skipped.slice(0, 20), count: skipped.length });
  // Told once, for the uploads of this batch (a notes.txt stays skipped in every later run's summary).
  await notifySkipped(
    skipped.filter((o) => uploadedKeys.has(o.key)),
    rawPrefix,
  );
  if (objects.length === 0) {
    logger.warn('no data objects under the raw prefix (deleted since the upload, or none is a CSV file?): nothing to train on', { bucket, rawPrefix });
    return { batchItemFailures: malformed };
  }
  // New data is a new snapshot; a drift alarm alone retrains the same data once per cooldown period.
  const driftOnly = uploads === 0;
  const cooldownHours = Number(process.env.RETRAIN_COOLDOWN_HOURS ?? '24');
  const manifest = buildManifest(bucket, rawPrefix, objects, driftOnly ? (hash) => driftRunId(hash, new Date(), cooldownHours) : undefined, skipped);
  const key = manifestKey(manifest.runId);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(manifest, null, 2), ContentType: 'application/json' }));

  const input: RetrainingInput = {
    runId: manifest.runId,
    manifest: { bucket, key, hash: manifest.hash, objectCount: objects.length, bytes: objects.reduce((n, o) => n + o.size, 0) },
  };
  try {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: manifest.runId, input: JSON.stringify(input) }));
    logger.info('started retraining', {
      runId: manifest.runId,
      reason: driftOnly ? 'drift alarm' : 'new data',
      executionArn: started.executionArn,
      objects: objects.length,
      events: valid.length,
    });
  } catch (err) {
    if (!(err instanceof ExecutionAlreadyExists)) throw err;
    logger.info(
      driftOnly
        ? 'this snapshot was already retrained for drift in this cooldown period: nothing to do'
        : 'this data snapshot already had its run: nothing to do',
      { runId: manifest.runId },
    );
  }
  return { batchItemFailures: malformed };
}
