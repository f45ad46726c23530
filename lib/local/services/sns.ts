import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { ServiceError } from './json-rpc-server';
import type { QueryService } from './query-server';
import { randomUUID } from 'node:crypto';

export interface Notification {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly time: string;
}

/**
 * The local stand-in for SNS: keeps every published message, appends it to a JSONL file when
 * given one, and hands it to a printer (the CLI prints it). Publishing is what SNS Publish does.
 */
export class LocalNotifier {
  readonly notifications: Notification[] = [];

  /** Notifications already in `logFile` (a previous process's) are kept as published. */
  constructor(private readonly options: { logFile?: string; print?: (n: Notification) => void } = {}) {
    if (options.logFile && existsSync(options.logFile)) {
      // A process killed mid-append leaves its last line cut short (the only line without its newline).
      const lines = readFileSync(options.logFile, 'utf8').split('\n').slice(0, -1);
      this.notifications.push(...lines.map((line) => JSON.parse(line) as Notification));
    }
  }

  publish(topicArn: string, message: string, subject?: string): { MessageId: string } {
    if (!topicArn) throw snsError('TopicArn is required');
    if (typeof message !== 'string' || message.length === 0) throw snsError('Message must be a non-empty string');
    // SNS's rule (Publish API reference): under 100 characters, printable ASCII, no line breaks.
    if (subject !== undefined && (subject.length === 0 || subject.length >= 100 || !/^[\x20-\x7e]+$/.test(subject))) {
      throw snsError(
        `Subject must be ASCII text that begins with a letter, number, or punctuation mark; must not include line breaks or control characters; and must be less than 100 characters long (got ${subject.length})`,
      );
    }
    const notification: Notification = { messageId: randomUUID(), topicArn, subject, message, time: new Date().toISOString() };
    this.notifications.push(notification);
    if (this.options.logFile) appendFileSync(this.options.logFile, `${JSON.stringify(notification)}\n`);
    this.options.print?.(notification);
    return { MessageId: notification.messageId };
  }

  /** The Step Functions `sns:publish` integration, for the state machine runner. */
  readonly publishTask = async (input: unknown): Promise<{ MessageId: string }> => {
    const { TopicArn, Message, Subject } = input as { TopicArn: string; Message: unknown; Subject?: string };
    return this.publish(TopicArn, typeof Message === 'string' ? Message : JSON.stringify(Message), Subject);
  };
}

/** SNS's error for a bad request, as the Step Functions integration names it (SNS.InvalidParameterException). */
function snsError(message: string): Error {
  return Object.assign(new Error(`Invalid parameter: ${message}`), { name: 'SNS.InvalidParameterException' });
}

/**
 * SNS's Publish for SDK clients (the handlers'), over the query protocol (startQueryServer): the
 * topic must be one of the template's (`NotFound` otherwise, as SNS answers), and the message and
 * subject pass SNS's rules as the integration's do.
 */
export function snsQueryService(notifier: LocalNotifier, topics: ReadonlySet<string>): QueryService {
  return {
    title: 'local SNS',
    targetPrefix: 'AmazonSimpleNotificationService',
    signingName: 'sns',
    version: '2010-03-31',
    namespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
    operations: {
      Publish: ({ TopicArn, Message, Subject }) => {
        if (!topics.has(TopicArn)) throw new ServiceError('NotFound', 'Topic does not exist');
        try {
          return notifier.publish(TopicArn, Message, Subject);
        } catch (err) {
          if ((err as Error).name === 'SNS.InvalidParameterException') throw new ServiceError('InvalidParameter', (err as Error).message);
          throw err;
        }
      },
    },
  };
}
