import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { jsonServiceValidator, requiredServiceModels } from '../../../lib/local/aws-models/service-requests';
import { newLocalCredentials } from '../../../lib/local/auth/sigv4';
import { startQueryServer } from '../../../lib/local/services/query-server';
import { LocalNotifier, snsQueryService } from '../../../lib/local/services/sns';
import type { RunningServer } from '../../../lib/local/services/json-rpc-server';

/** The local SNS over the query protocol, as the handlers' SDK clients (and aws-cli) reach it. */
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alerts';
const credentials = newLocalCredentials();
const notifier = new LocalNotifier();
let server: RunningServer;
let sns: SNSClient;

beforeAll(async () => {
  server = await startQueryServer(snsQueryService(notifier, new Set([TOPIC])), 0, jsonServiceValidator(requiredServiceModels()), {
    credentials,
    region: 'us-east-1',
  });
  sns = new SNSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
});
afterAll(async () => {
  sns.destroy();
  await server.close();
});

test('GIVEN a signed Publish from the SDK THEN the message is published and its MessageId answered in the XML SNS writes', async () => {
  const { MessageId } = await sns.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'hello & <bye>', Message: 'line 1\nline 2' }));
  expect(MessageId).toBe(notifier.notifications.at(-1)!.messageId);
  expect(notifier.notifications.at(-1)).toMatchObject({ topicArn: TOPIC, subject: 'hello & <bye>', message: 'line 1\nline 2' });
});

test.each([
  ['a topic the template lacks', { TopicArn: `${TOPIC}-other`, Message: 'x' }, 'NotFoundException', 'Topic does not exist'],
  [
    'a subject of 100 characters',
    { TopicArn: TOPIC, Message: 'x', Subject: 's'.repeat(100) },
    'InvalidParameterException',
    'must be less than 100 characters long',
  ],
  [
    'no message (a required member of the API model)',
    { TopicArn: TOPIC } as { TopicArn: string; Message: string },
    'ValidationError',
    "Value null at 'message' failed to satisfy constraint: Member must not be null",
  ],
])('GIVEN %s THEN SNS refuses it as SNS does', async (_, input, name, message) => {
  await expect(sns.send(new PublishCommand(input))).rejects.toMatchObject({ name, message: expect.stringContaining(message) });
});

test('GIVEN another key pair THEN the request is refused before it is served (the signature is checked)', async () => {
  const stranger = new SNSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: newLocalCredentials() });
  try {
    // SNS's query protocol names an unknown key InvalidClientTokenId (the JSON services: UnrecognizedClientException).
    await expect(stranger.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' }))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    });
  } finally {
    stranger.destroy();
  }
  const forger = new SNSClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { ...credentials, secretAccessKey: newLocalCredentials().secretAccessKey },
  });
  try {
    await expect(forger.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' }))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
  } finally {
    forger.destroy();
  }
});

test('GIVEN aws-cli, an independent client THEN it publishes too', async () => {
  const before = notifier.notifications.length;
  // Asynchronously: a synchronous child would block the event loop this server answers on.
  const { stdout } = await promisify(execFile)(
    'aws',
    ['sns', 'publish', '--endpoint-url', server.endpoint, '--region', 'us-east-1', '--topic-arn', TOPIC, '--message', 'from the cli', '--output', 'json'],
    {
      env: { ...process.env, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_PAGER: '' },
    },
  );
  expect(JSON.parse(stdout).MessageId).toBe(notifier.notifications[before].messageId);
  expect(notifier.notifications[before].message).toBe('from the cli');
}, 30_000);
