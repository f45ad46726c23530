import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { LocalMlops } from '../../lib/local/runtime/local-mlops';
import { synthesizeTemplate } from '../../lib/local/template/synth';
import { withoutAction } from '../helpers/templates';

/**
 * Negative control of local IAM on the local SNS: the trigger's role without sns:Publish. The
 * unmodified handler's SDK call is refused as SNS refuses it (AuthorizationError, naming the
 * session and the topic); the handler logs it and goes on, so the notice is lost but nothing else.
 */
test('GIVEN the trigger role without sns:Publish THEN publishing the skipped upload is refused with AuthorizationError, logged, and nothing is published', async () => {
  const config = loadConfig();
  const written: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
  const local = await LocalMlops.start({
    template: withoutAction(synthesizeTemplate(config), 'sns:Publish', 'RetrainingTriggerHandlerRole'),
    directory: mkdtempSync(path.join(tmpdir(), 'mlops-iam-sns-')),
  });
  try {
    await local.upload('raw/notes.txt', 'not data');
    await local.idle();
    expect(local.notifier.notifications).toHaveLength(0);
    const refusal = written.map((line) => line.trim()).find((line) => line.includes('could not notify the skipped uploads'));
    expect(refusal).toBeDefined();
    expect(JSON.parse(refusal!).error).toMatch(
      // The SDK names SNS's AuthorizationError code by its modelled exception.
      /^AuthorizationErrorException: User: arn:aws:sts::000000000000:assumed-role\/RetrainingTriggerHandlerRole\w+\/RetrainingTriggerHandler\w+ is not authorized to perform: sns:Publish on resource: arn:aws:sns:us-east-1:000000000000:\S+ because no identity-based policy allows/,
    );
  } finally {
    await local.stop();
    jest.restoreAllMocks();
  }
}, 60_000);
