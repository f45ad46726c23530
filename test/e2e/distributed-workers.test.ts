import { PipelineStates } from '../../lambdas/contracts/states';
import { synthesizeTemplate } from '../../lib/local/template/synth';
import { distributedConfig, runDistributed, sampleFiles } from '../helpers/distributed-run';

/**
 * `mlops up`'s environment on a snapshot above minSnapshotBytes: the Distributed Map children's
 * Lambda invocations run in 2 worker threads (each signing as the function's role, with the
 * function's environment), and the run trains and deploys on what they wrote.
 */
test('GIVEN 40 uploaded files and a Distributed Map config WHEN the run executes with 2 Lambda workers THEN it takes the Distributed Map path and deploys', async () => {
  const { local, errors, runs } = await runDistributed(synthesizeTemplate(distributedConfig), sampleFiles(40));
  try {
    expect(errors).toEqual([]);
    const last = runs[runs.length - 1];
    expect(last).toMatchObject({ outcome: 'DEPLOYED' });
    const states = last.states.map((s) => s.name);
    expect(states).toEqual(
      expect.arrayContaining([PipelineStates.PLAN_SHARDS, PipelineStates.GATHER_SHARDS, PipelineStates.MERGE_SHARDS, PipelineStates.ENCODE_SHARDS]),
    );
    expect(states).not.toContain(PipelineStates.PROCESS_FEATURES);
    expect(last.data).toMatchObject({ rowsRead: 5000 });
  } finally {
    await local.stop();
  }
}, 180_000);
