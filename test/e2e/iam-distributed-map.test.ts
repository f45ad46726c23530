import { synthesizeTemplate } from '../../lib/local/template/synth';
import { distributedConfig, runDistributed, sampleFiles } from '../helpers/distributed-run';
import { withoutAction } from '../helpers/templates';

/**
 * Negative control of the Distributed Map's own IAM: without states:StartExecution on the state
 * machine (CDK's DistributedMapPolicy grants it), Step Functions cannot start the Map Run's child
 * executions, so GatherShards fails and the run fails with the denial, before any shard is read.
 */
test('GIVEN the state machine role without states:StartExecution (the control) THEN GatherShards fails with the denial and nothing trains', async () => {
  const template = withoutAction(synthesizeTemplate(distributedConfig), 'states:StartExecution', 'RetrainingPipelineStateMachineDistributedMapPolicy');
  const { local, runs } = await runDistributed(template, sampleFiles(4));
  try {
    const last = runs[runs.length - 1];
    expect(last.outcome).toBe('FAILED');
    expect(last.cause).toMatch(/is not authorized to perform: states:StartExecution on resource: arn:aws:states:us-east-1:000000000000:stateMachine:/);
    expect(local.sagemaker.trainingJobs.size).toBe(0);
  } finally {
    await local.stop();
  }
}, 180_000);
