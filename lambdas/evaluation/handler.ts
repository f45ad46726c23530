import { DescribeModelPackageCommand, DescribeTrainingJobCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { z } from 'zod';
import { metricPropertyKey } from '../contracts/deployment';
import { decide, type GateDecision, type ProductionModel } from '../core/evaluation';
import { createLogger } from '../shared/logger';

const sagemaker = new SageMakerClient({});
const logger = createLogger('evaluation');

export const evaluationEventSchema = z.strictObject({
  trainingJobName: z.string().min(1),
  modelPackageGroupName: z.string().min(1),
  rules: z.strictObject({
    metric: z.string().min(1),
    direction: z.enum(['maximize', 'minimize']),
    minimumValue: z.number().optional(),
    minimumImprovement: z.number().min(0),
  }),
});
export type EvaluationEvent = z.input<typeof evaluationEventSchema>;

/** The latest Approved package of the group is the model in production. */
async function productionModel(group: string, metric: string): Promise<ProductionModel | undefined> {
  const listed = await sagemaker.send(
    new ListModelPackagesCommand({
      ModelPackageGroupName: group,
      ModelApprovalStatus: 'Approved',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 1,
    }),
  );
  const latest = listed.ModelPackageSummaryList?.[0];
  if (!latest?.ModelPackageArn) return undefined;
  const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: latest.ModelPackageArn }));
  const recorded = described.CustomerMetadataProperties?.[metricPropertyKey(metric)];
  return { modelPackageArn: latest.ModelPackageArn, value: recorded === undefined ? undefined : Number(recorded) };
}

/** Compares the new training job with the model in production and decides whether to promote it. */
export async function handler(rawEvent: unknown): Promise<GateDecision> {
  const parsed = evaluationEventSchema.safeParse(rawEvent);
  if (!parsed.success)
    throw new Error(`invalid evaluation input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const { trainingJobName, modelPackageGroupName, rules } = parsed.data;

  const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: trainingJobName }));
  if (job.TrainingJobStatus !== 'Completed') throw new Error(`training job ${trainingJobName} is ${job.TrainingJobStatus}, not Completed`);
  const metrics = (job.FinalMetricDataList ?? []).map((m) => ({ name: m.MetricName ?? '', value: m.Value ?? Number.NaN }));
  const production = await productionModel(modelPackageGroupName, rules.metric);
  const decision = decide(metrics, production, rules);
  logger.info('gate decision', { trainingJobName, ...decision });
  return decision;
}
