import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { PipelineStates } from '../../lambdas/contracts/states';
import { LocalMlops } from '../../lib/local/runtime/local-mlops';
import type { Trainer } from '../../lib/local/services/sagemaker/sagemaker';
import type { CfnTemplate } from '../../lib/local/template/cfn-template';
import { SAMPLE } from './pipeline';

/**
 * StopExecution of a run while its `.sync` Train runs: Step Functions aborts the execution and
 * stops the training job it started (StopTrainingJob under the state machine's role). The job here
 * trains until it is stopped (a trainer that waits for its abort signal: the stop is under test,
 * not the training).
 */
const untilStopped: Trainer = (_request, signal) =>
  new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error(String(signal.reason))), { once: true }));

/** Starts the local environment on `template`, uploads the sample and stops the run while it trains. */
export async function stopDuringTraining(template: CfnTemplate) {
  const errors: Error[] = [];
  let training!: () => void;
  const trainEntered = new Promise<void>((resolve) => (training = resolve));
  const local = await LocalMlops.start({
    template,
    directory: mkdtempSync(path.join(tmpdir(), 'mlops-stop-')),
    trainer: () => untilStopped,
    onStateEntered: (_e, state) => state === PipelineStates.TRAIN && training(),
    onBackgroundError: (err) => errors.push(err),
  });
  const sfn = new SFNClient({
    endpoint: local.clientEnv.AWS_ENDPOINT_URL_SFN,
    region: local.clientEnv.AWS_REGION,
    credentials: { accessKeyId: local.clientEnv.AWS_ACCESS_KEY_ID, secretAccessKey: local.clientEnv.AWS_SECRET_ACCESS_KEY },
  });
  try {
    await local.upload('raw/sample.csv', SAMPLE);
    await trainEntered;
    // The job exists once the Train handler has called CreateTrainingJob.
    while (local.sagemaker.trainingJobs.size === 0) await new Promise((r) => setTimeout(r, 10));
    const [execution] = local.stepFunctions.executions;
    await sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn, error: 'Operator', cause: 'stopped from the test' }));
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: execution.executionArn, reverseOrder: true, maxResults: 1 }));
    const [job] = [...local.sagemaker.trainingJobs.values()];
    // The job's status once its stop (if any) has been carried out.
    await new Promise((r) => setTimeout(r, 50));
    const jobStatus = local.sagemaker.describeTrainingJob({ TrainingJobName: job.request.TrainingJobName }).TrainingJobStatus;
    return { described, lastEvent: history.events?.[0], jobStatus, errors, local };
  } finally {
    sfn.destroy();
  }
}
