import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ControlPlaneStore } from '../state/control-plane-store';

export interface LocalQueueOptions {
  readonly queueArn: string;
  readonly batchSize: number;
  /** How long the first message of a batch waits for more (the debounce), in ms. */
  readonly batchingWindowMs: number;
  /** How long a failed message stays invisible before it is delivered again, in ms. */
  readonly visibilityTimeoutMs: number;
  /** Receives before a message moves to the dead-letter list. @default - never */
  readonly maxReceiveCount?: number;
  readonly reportsBatchItemFailures: boolean;
  /** The function the event source mapping invokes. */
  readonly consumer: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  readonly onError?: (err: Error) => void;
  /** Where the messages are kept. @default in memory */
  readonly store?: ControlPlaneStore;
}

interface Message {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  visibleAt: number;
  firstReceivedAt?: number;
}

/**
 * An SQS queue with a Lambda event source mapping, run locally: messages wait out the batching
 * window, go to the consumer in batches, and the ones it reports failed (or all, if it throws)
 * come back after the visibility timeout until maxReceiveCount moves them to the dead letters.
 * A received message is invisible for the visibility timeout, as in SQS, and every message is
 * kept in the store until it is consumed: those a stopped process had received are delivered
 * again once their visibility timeout has passed, with their receive counts.
 */
export class LocalQueue {
  private messages: Message[];
  readonly deadLetters: Message[];
  private timer?: NodeJS.Timeout;
  private delivering?: Promise<void>;
  private stopped = false;
  private readonly store: ControlPlaneStore;

  constructor(private readonly options: LocalQueueOptions) {
    this.store = options.store ?? ControlPlaneStore.inMemory();
    const stored = this.store.messages(options.queueArn);
    const message = ({ deadLettered: _deadLettered, ...m }: (typeof stored)[number]): Message => m;
    this.messages = stored.filter((m) => !m.deadLettered).map(message);
    this.deadLetters = stored.filter((m) => m.deadLettered).map(message);
    this.schedule();
  }

  private save(m: Message, deadLettered = false): void {
    this.store.saveMessage(this.options.queueArn, { ...m, deadLettered });
  }

  get depth(): number {
    return this.messages.length;
  }

  send(body: string): string {
    if (this.stopped) throw new Error(`queue ${this.options.queueArn} is stopped`);
    const now = Date.now();
    const message: Message = { messageId: randomUUID(), body, sentAt: now, receiveCount: 0, visibleAt: now };
    this.messages.push(message);
    this.save(message);
    this.schedule();
    return message.messageId;
  }

  private schedule(): void {
    if (this.stopped || this.timer || this.delivering || this.messages.length === 0) return;
    // As Lambda's event source: a poll that finds messages waits the batching window (from the first
    // visible one) to gather more, unless a full batch is already there; then every visible message
    // up to the batch size goes. (Timing each message's window from its own send split messages sent
    // a millisecond apart into two batches.)
    const now = Date.now();
    const visible = this.messages.filter((m) => m.visibleAt <= now).length;
    const next = visible >= this.options.batchSize ? now : Math.min(...this.messages.map((m) => m.visibleAt)) + this.options.batchingWindowMs;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.delivering = this.deliver().finally(() => {
          this.delivering = undefined;
          this.schedule();
        });
      },
      Math.max(0, next - Date.now()),
    );
  }

  private async deliver(): Promise<void> {
    const now = Date.now();
    const batch = this.messages.filter((m) => m.visibleAt <= now).slice(0, this.options.batchSize);
    if (batch.length === 0) return;
    // Received: invisible for the visibility timeout (what a restart waits out before redelivering).
    this.store.transaction(() => {
      for (const m of batch) {
        m.receiveCount++;
        m.firstReceivedAt ??= now;
        m.visibleAt = now + this.options.visibilityTimeoutMs;
        this.save(m);
      }
    });
    const records: SQSRecord[] = batch.map((m) => ({
      messageId: m.messageId,
      receiptHandle: randomUUID(),
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'events.amazonaws.com',
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.queueArn.split(':')[3],
    }));
    let failed: Set<string>;
    try {
      const response = await this.options.consumer({ Records: records });
      failed = new Set(this.options.reportsBatchItemFailures ? (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier) : []);
    } catch (err) {
      this.options.onError?.(err as Error);
      failed = new Set(batch.map((m) => m.messageId));
    }
    const retryAt = Date.now() + this.options.visibilityTimeoutMs;
    const done = new Set(batch.filter((m) => !failed.has(m.messageId)).map((m) => m.messageId));
    const deadLettered = new Set<string>();
    for (const m of batch.filter((x) => failed.has(x.messageId))) {
      if (this.options.maxReceiveCount !== undefined && m.receiveCount >= this.options.maxReceiveCount) {
        this.deadLetters.push(m);
        deadLettered.add(m.messageId);
        done.add(m.messageId);
      } else {
        m.visibleAt = retryAt;
      }
    }
    this.store.transaction(() => {
      for (const m of batch) {
        if (deadLettered.has(m.messageId)) this.save(m, true);
        else if (done.has(m.messageId)) this.store.deleteMessage(this.options.queueArn, m.messageId);
        else this.save(m);
      }
    });
    this.messages = this.messages.filter((m) => !done.has(m.messageId));
  }

  /** Resolves when every message has been consumed (or dead-lettered). */
  async drained(): Promise<void> {
    while (!this.stopped && (this.messages.length > 0 || this.delivering)) {
      await (this.delivering ?? new Promise((resolve) => setTimeout(resolve, 20)));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.delivering;
  }
}
