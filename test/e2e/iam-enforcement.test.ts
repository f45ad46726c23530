import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { runDemo } from '../../lib/local/cli/demo';
import { synthesizeTemplate } from '../../lib/local/template/synth';
import { withoutAction } from '../helpers/templates';

/**
 * Negative control of local IAM: the demo's template with sagemaker:AddTags taken out of the state
 * machine role (the defect of aws-cdk issue 32294) must fail the first run at Train, with AWS's message.
 * (One demo per file: a process hosts one local environment.)
 */
const config = loadConfig();

describe('local IAM on the demo', () => {
  test('GIVEN the state machine role without sagemaker:AddTags THEN the first run fails at Train with AccessDenied naming principal, action and resource', async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const states: string[] = [];
    const outcome = await runDemo({
      config,
      template: withoutAction(synthesizeTemplate(config), 'sagemaker:AddTags'),
      sample: readFileSync(path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv')),
      directory: mkdtempSync(path.join(tmpdir(), 'mlops-iam-')),
      print: (line) => states.push(line),
    }).catch((err: Error) => err);
    jest.restoreAllMocks();
    const reported = JSON.stringify({ outcome: outcome instanceof Error ? outcome.message : outcome.runs[0], printed: states });
    expect(reported).toMatch(
      /User: arn:aws:sts::000000000000:assumed-role\/RetrainingPipelineStateMachineRole\w+\/local-execution is not authorized to perform: sagemaker:AddTags on resource: arn:aws:sagemaker:us-east-1:000000000000:training-job\/churn-[0-9a-f-]+ because no identity-based policy allows the sagemaker:AddTags action/,
    );
    expect(reported).toContain('failure: SageMaker.AccessDeniedException: User: ');
    // Refused before the job was created: the run went from Train straight to the failure path.
    expect(reported).toContain('Train → NotifyFailure → RunFailed');
  }, 120_000);
});
