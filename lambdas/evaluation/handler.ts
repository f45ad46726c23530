import { DescribeModelPackageCommand, DescribeTrainingJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { metricPropertyKey } from '../contracts/deployment';
import { decide, type GateDecision, type ProductionModel } from '../core/evaluation';
import { readDeployedModel } from '../shared/deployed-model';
import { createLogger } from '../shared/logger';

const sagemaker = new SageMakerClient({});
const ssm = new SSMClient({});
const logger = createLogger('evaluation');

export const evaluationEventSchema = z.strictObject({
  trainingJobName: z.string().min(1),
  rules: z.strictObject({
    metric: z.string().min(1),
    direction: z.enum(['maximize', 'minimize']),
    minimumValue: z.number().optional(),
    minimumImprovement: z.number().min(0),
  }),
});
export type EvaluationEvent = z.input<typeof evaluationEventSchema>;

/**
 * The model in production is the one that serves: the package the deployment published to the
 * deployed-model parameter once its endpoint was InService. Not the latest Approved package: a
 * deployment that failed or rolled back leaves its package Approved, but it never served.
 */
async function productionModel(metric: string): Promise<ProductionModel | undefined> {
  const deployed = await readDeployedModel(ssm);
  if (!deployed.modelPackageArn) return undefined;
  const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: deployed.modelPackageArn }));
  const recorded = described.CustomerMetadataProperties?.[metricPropertyKey(metric)];
  return { modelPackageArn: deployed.modelPackageArn, value: recorded === undefined ? undefined : Number(recorded) };
}

/** Compares the new training job with the model that serves and decides whether to promote it. */
export async function handler(rawEvent: unknown): Promise<GateDecision> {
  const parsed = evaluationEventSchema.safeParse(rawEvent);
  if (!parsed.success)
    throw new Error(`invalid evaluation input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const { trainingJobName, rules } = parsed.data;

  const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: trainingJobName }));
  if (job.TrainingJobStatus !== 'Completed') throw new Error(`training job ${trainingJobName} is ${job.TrainingJobStatus}, not Completed`);
  const metrics = (job.FinalMetricDataList ?? []).map((m) => ({ name: m.MetricName ?? '', value: m.Value ?? Number.NaN }));
  const production = await productionModel(rules.metric);
  const decision = decide(metrics, production, rules);
  logger.info('gate decision', { trainingJobName, ...decision });
  return decision;
}
