import type { SQSEvent, SQSRecord } from 'aws-lambda';

/** An EventBridge "Object Created" event as S3 sends it. */
export function objectCreatedEvent(bucket: string, key: string, size: number, reason = 'PutObject'): Record<string, unknown> {
  return {
    version: '0',
    id: `evt-${key}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-11-26T12:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size, etag: 'abc', sequencer: '00' },
      'request-id': 'r',
      requester: '123456789012',
      reason,
    },
  };
}

/** An SQS event whose records carry the given bodies (objects are JSON-encoded). */
export function sqsEvent(bodies: readonly (string | Record<string, unknown>)[]): SQSEvent {
  const Records = bodies.map((body, i): SQSRecord => ({
    messageId: `msg-${i + 1}`,
    receiptHandle: `rh-${i + 1}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'events', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:queue',
    awsRegion: 'us-east-1',
  }));
  return { Records };
}
