/** The fields of an EventBridge "Object Created" event from S3 that the trigger relies on. */
export interface ObjectCreated {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
}

/** An event that is not an S3 "Object Created" event; the message names the bad field. */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
}

function field(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
}

/** A drift alarm that entered ALARM: retrain on the current snapshot (once per cooldown period). */
export interface DriftAlarm {
  readonly alarmName: string;
}

export type TriggerEvent = ({ readonly kind: 'upload' } & ObjectCreated) | ({ readonly kind: 'drift' } & DriftAlarm);

/** Parses the body of an SQS message that EventBridge delivered: an upload or a drift alarm. */
export function parseTriggerEvent(body: string): TriggerEvent {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch (err) {
    throw new MalformedEventError(`body is not JSON: ${(err as Error).message}`);
  }
  const source = field(event, ['source']);
  const detailType = field(event, ['detail-type']);
  if (source === 'aws.cloudwatch' && detailType === 'CloudWatch Alarm State Change') {
    const alarmName = field(event, ['detail', 'alarmName']);
    const state = field(event, ['detail', 'state', 'value']);
    if (typeof alarmName !== 'string') throw new MalformedEventError('detail.alarmName is missing or not a string');
    if (state !== 'ALARM') throw new MalformedEventError(`detail.state.value is ${JSON.stringify(state)}, expected "ALARM"`);
    return { kind: 'drift', alarmName };
  }
  if (source !== 'aws.s3' || detailType !== 'Object Created') {
    throw new MalformedEventError(
      `expected source "aws.s3" and detail-type "Object Created" (or a CloudWatch alarm state change), got ${JSON.stringify(source)} / ${JSON.stringify(detailType)}`,
    );
  }
  const bucket = field(event, ['detail', 'bucket', 'name']);
  const key = field(event, ['detail', 'object', 'key']);
  const size = field(event, ['detail', 'object', 'size']);
  if (typeof bucket !== 'string' || bucket === '') throw new MalformedEventError('detail.bucket.name is missing or not a string');
  if (typeof key !== 'string' || key === '') throw new MalformedEventError('detail.object.key is missing or not a string');
  if (typeof size !== 'number' || !Number.isFinite(size) || size < 0) throw new MalformedEventError('detail.object.size is missing or not a number');
  return { kind: 'upload', bucket, key, size };
}
