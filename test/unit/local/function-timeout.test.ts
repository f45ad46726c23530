import { withFunctionTimeout } from '../../../lib/local/runtime/function-timeout';
import { localBucketName } from '../../../lib/local/runtime/local-mlops';
import { resourcesOfType, type CfnTemplate } from '../../../lib/local/template/cfn-template';
import { synthesizeTemplate } from '../../../lib/local/template/synth';
import { functionsOf } from '../../../lib/local/template/template-wiring';
import { makeConfig } from '../../helpers/config';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

test('GIVEN an invocation that returns within the timeout THEN its result comes back', async () => {
  await expect(withFunctionTimeout(after(50, 'done'), { functionName: 'Trigger', timeoutSeconds: 1 })).resolves.toBe('done');
});

test("GIVEN an invocation that runs past the function's Timeout THEN it fails with Lambda's message, once the timeout has passed", async () => {
  let ended = false;
  const started = Date.now();
  await expect(
    withFunctionTimeout(after(1500, 'late'), { functionName: 'Trigger', timeoutSeconds: 0.5, onTimeout: () => (ended = true) }),
  ).rejects.toMatchObject({ name: 'Lambda.Unknown', message: 'Trigger: Task timed out after 0.50 seconds' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  expect(ended).toBe(true);
});

test('GIVEN an invocation that fails within the timeout THEN its own error comes back, not a timeout', async () => {
  await expect(withFunctionTimeout(Promise.reject(new Error('boom')), { functionName: 'Trigger', timeoutSeconds: 1 })).rejects.toThrow('boom');
});

test("GIVEN the synthesized template THEN the twin takes each function's Timeout from it, and CloudFormation's 3 s where it has none", () => {
  const template = synthesizeTemplate(makeConfig()) as CfnTemplate;
  const physicalNames = Object.fromEntries(resourcesOfType(template, 'AWS::S3::Bucket').map((id) => [id, localBucketName(id)]));
  const timeouts = (t: CfnTemplate) => Object.fromEntries(functionsOf(t, { region: 'us-east-1', physicalNames }).map((f) => [f.handlerName, f.timeoutSeconds]));
  expect(timeouts(template)).toMatchObject({ 'feature-processing': 900, 'feature-shards': 900, 'drift-check': 900, 'retraining-trigger': 60, evaluation: 60 });
  const trigger = resourcesOfType(template, 'AWS::Lambda::Function').find((id) => template.Resources[id].Properties?.Timeout === 60)!;
  const properties: Record<string, unknown> = { ...template.Resources[trigger].Properties };
  delete properties.Timeout;
  const untimed = { ...template, Resources: { ...template.Resources, [trigger]: { ...template.Resources[trigger], Properties: properties } } };
  expect(Object.values(timeouts(untimed))).toContain(3);
  // Outside Lambda's 1-900 s, or not a number: CloudFormation refuses the function, and so does the twin.
  for (const bad of [0, 901, 1.5, { Ref: 'Param' }]) {
    const wrong = {
      ...template,
      Resources: { ...template.Resources, [trigger]: { ...template.Resources[trigger], Properties: { ...properties, Timeout: bad } } },
    };
    expect(() => timeouts(wrong)).toThrow(`function ${trigger}: Timeout must be a whole number of seconds from 1 to 900, got ${JSON.stringify(bad)}`);
  }
}, 60_000);
