import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** The script the delivery pipeline runs after each stage, run as CodeBuild runs it. */
const script = path.join(__dirname, '..', '..', 'bin', 'check-stage-outputs.mjs');
const good = {
  STAGE_ACCOUNT: '111111111111',
  STAGE_REGION: 'eu-west-1',
  DATA_BUCKET: 'serverlessmlops-churn-datalakedatabucket-abc123',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:111111111111:stateMachine:RetrainingPipelineStateMachine-x',
  ENDPOINT_NAME: 'churn-endpoint',
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:111111111111:ServerlessMlops-churn-Topic',
  DEPLOYED_MODEL_PARAMETER: '/ServerlessMlops-churn/churn-endpoint/deployed-model',
};
const run = (env: Record<string, string>) => spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' });

describe('the stage check of the delivery pipeline', () => {
  test('GIVEN outputs of the stage account and region THEN it passes', () => {
    const result = run(good);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('stage outputs OK');
  });

  test('GIVEN a state machine in another account and a missing output THEN it fails naming both', () => {
    const rest: Record<string, string> = { ...good };
    delete rest.TOPIC_ARN;
    const result = run({ ...rest, STATE_MACHINE_ARN: good.STATE_MACHINE_ARN.replace('111111111111', '222222222222') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('STATE_MACHINE_ARN: "arn:aws:states:eu-west-1:222222222222');
    expect(result.stderr).toContain('TOPIC_ARN: missing');
  });
});
