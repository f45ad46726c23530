import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT } from '../template/cfn-template';
import { matchesEventPattern } from '../template/event-pattern';
import type { AlarmTransition } from './cloudwatch';
import { LOCAL_REGION, type S3NotificationRecord } from './s3';
import type { RuleWiring } from '../template/template-wiring';

/** An EventBridge event, as rules see it and as targets receive it. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

function busEvent(source: string, detailType: string, resources: string[], detail: Record<string, unknown>, time = new Date()): BusEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: LOCAL_ACCOUNT,
    time: time.toISOString(),
    region: LOCAL_REGION,
    resources,
    detail,
  };
}

/** s3rver reports a completed multipart upload as a POST; form uploads never happen locally. */
const S3_REASONS: Record<string, string> = {
  'ObjectCreated:Put': 'PutObject',
  'ObjectCreated:Copy': 'CopyObject',
  'ObjectCreated:Post': 'CompleteMultipartUpload',
};

/** The "Object Created" event S3 sends to EventBridge for a bucket with EventBridge notifications on. */
export function s3ObjectCreatedEvent(record: S3NotificationRecord): BusEvent {
  const { bucket, object } = record.s3;
  return busEvent(
    'aws.s3',
    'Object Created',
    [`arn:aws:s3:::${bucket.name}`],
    {
      version: '0',
      bucket: { name: bucket.name },
      // A versioned bucket's event names the version it created (EventBridge's "version-id").
      object: {
        key: object.key,
        size: object.size,
        etag: object.eTag,
        ...(object.versionId ? { 'version-id': object.versionId } : {}),
        sequencer: object.sequencer,
      },
      'request-id': record.responseElements?.['x-amz-request-id'] ?? randomUUID(),
      requester: LOCAL_ACCOUNT,
      'source-ip-address': record.requestParameters?.sourceIPAddress ?? '127.0.0.1',
      reason: S3_REASONS[record.eventName] ?? record.eventName,
    },
    new Date(record.eventTime),
  );
}

/** The event CloudWatch puts on the default bus when an alarm changes state. */
export function alarmStateChangeEvent(transition: AlarmTransition): BusEvent {
  const { alarm } = transition;
  return busEvent(
    'aws.cloudwatch',
    'CloudWatch Alarm State Change',
    [alarm.alarmArn],
    {
      alarmName: alarm.alarmName,
      state: { value: transition.to, reason: transition.reason, timestamp: transition.time.toISOString() },
      previousState: { value: transition.from },
      configuration: {
        description: alarm.description,
        metrics: [{ metricStat: { metric: { namespace: alarm.namespace, name: alarm.metricName, dimensions: alarm.dimensions } } }],
      },
    },
    transition.time,
  );
}

/** The default event bus with the template's pattern rules: each matching rule delivers to its targets. */
export class LocalEventBus {
  /** Every event put, with the rules it matched (for the status view and tests). */
  readonly history: { event: BusEvent; matched: string[] }[] = [];

  constructor(
    readonly rules: readonly RuleWiring[],
    private readonly deliver: (targetLogicalId: string, event: BusEvent) => void,
  ) {}

  put(event: BusEvent): string[] {
    const matched = this.rules.filter((rule) => matchesEventPattern(rule.pattern, event));
    const ids = matched.map((r) => r.logicalId);
    this.history.push({ event, matched: ids });
    for (const rule of matched) for (const target of rule.targets) this.deliver(target, event);
    return ids;
  }
}
