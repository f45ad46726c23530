import { loadConfig } from '../../lib/config';
import { synthesizeTemplate } from '../../lib/local/template/synth';
import { stopDuringTraining } from '../helpers/stop-during-training';

test('GIVEN a run stopped while it trains THEN the execution is ABORTED with the error and cause given, and the training job is stopped', async () => {
  const { described, lastEvent, jobStatus, errors, local } = await stopDuringTraining(synthesizeTemplate(loadConfig()));
  try {
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'stopped from the test' });
    expect(lastEvent).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Operator', cause: 'stopped from the test' } });
    expect(jobStatus).toBe('Stopped');
    expect(errors).toEqual([]);
    // Nothing was deployed: no endpoint exists.
    expect(local.sagemaker.endpoints.size).toBe(0);
    // What `mlops runs` and `mlops stop` print: STOPPED; stopping an ended run leaves it as it is.
    const [run] = local.runReports();
    expect(run).toMatchObject({ outcome: 'STOPPED', error: 'Operator', cause: 'stopped from the test' });
    expect(await local.stopRun(run.name)).toMatchObject({ outcome: 'STOPPED', cause: 'stopped from the test' });
  } finally {
    await local.stop();
  }
}, 90_000);
