import { loadConfig } from '../../lib/config';
import { synthesizeTemplate } from '../../lib/local/template/synth';
import { stopDuringTraining } from '../helpers/stop-during-training';
import { withoutAction } from '../helpers/templates';

/** Negative control of the StopTrainingJob a stopped `.sync` Train makes under the state machine's role. */
test('GIVEN the state machine role without sagemaker:StopTrainingJob (the control) THEN the execution is still ABORTED but its job trains on, and the denial is reported', async () => {
  const template = withoutAction(synthesizeTemplate(loadConfig()), 'sagemaker:StopTrainingJob', 'RetrainingPipelineStateMachineRole');
  const { described, jobStatus, errors, local } = await stopDuringTraining(template);
  try {
    expect(described.status).toBe('ABORTED');
    expect(jobStatus).toBe('InProgress');
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /could not stop what it started: SageMaker.AccessDeniedException: .* is not authorized to perform: sagemaker:StopTrainingJob on resource: arn:aws:sagemaker:us-east-1:000000000000:training-job\//,
      ),
    ]);
  } finally {
    for (const job of local.sagemaker.trainingJobs.values()) local.sagemaker.stopTrainingJob({ TrainingJobName: job.request.TrainingJobName });
    await local.stop();
  }
}, 90_000);
