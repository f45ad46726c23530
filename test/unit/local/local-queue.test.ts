import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LocalQueue } from '../../../lib/local/services/sqs';

function queue(consumer: (event: SQSEvent) => Promise<SQSBatchResponse | void>, maxReceiveCount?: number) {
  return new LocalQueue({
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
    batchSize: 10,
    batchingWindowMs: 30,
    visibilityTimeoutMs: 10,
    maxReceiveCount,
    reportsBatchItemFailures: true,
    consumer,
  });
}

describe('local SQS queue with a Lambda event source', () => {
  test('GIVEN messages within the batching window THEN the consumer gets them as one batch', async () => {
    const batches: string[][] = [];
    const q = queue(async (event) => void batches.push(event.Records.map((r) => r.body)));
    q.send('a');
    q.send('b');
    q.send('c');
    await q.drained();
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  test('GIVEN a message sent later within the window of the first THEN both go in one batch; one sent after the batch went comes in the next', async () => {
    const batches: string[][] = [];
    const q = queue(async (event) => void batches.push(event.Records.map((r) => r.body)));
    q.send('a');
    await new Promise((resolve) => setTimeout(resolve, 10));
    q.send('b');
    await q.drained();
    q.send('c');
    await q.drained();
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });

  test('GIVEN reported item failures THEN only those come back, with a higher receive count', async () => {
    const seen: string[] = [];
    const q = queue(async (event) => {
      for (const r of event.Records) seen.push(`${r.body}#${r.attributes.ApproximateReceiveCount}`);
      return {
        batchItemFailures: event.Records.filter((r) => r.body === 'retry' && r.attributes.ApproximateReceiveCount === '1').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    });
    q.send('ok');
    q.send('retry');
    await q.drained();
    expect(seen).toEqual(['ok#1', 'retry#1', 'retry#2']);
  });

  test('GIVEN a consumer that keeps failing THEN the message moves to the dead letters after maxReceiveCount', async () => {
    let calls = 0;
    const errors: Error[] = [];
    const q = new LocalQueue({
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
      batchSize: 10,
      batchingWindowMs: 0,
      visibilityTimeoutMs: 1,
      maxReceiveCount: 3,
      reportsBatchItemFailures: true,
      consumer: async () => {
        calls++;
        throw new Error('handler crashed');
      },
      onError: (err) => errors.push(err),
    });
    q.send('poison');
    await q.drained();
    expect(calls).toBe(3);
    expect(q.deadLetters.map((m) => m.body)).toEqual(['poison']);
    expect(errors[0].message).toBe('handler crashed');
  });
});
