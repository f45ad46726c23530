import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { RetrainingConfig } from '../../../lambdas/contracts/config/resolve';
import { MAP_RUNS_PREFIX, SCRATCH_PREFIX } from '../../../lambdas/contracts/layout';
import { PipelineStates } from '../../../lambdas/contracts/states';
import { HandlerFunction } from '../handler-function';
import { acknowledgeObjectPrefix } from '../nag';
import { featureStepFunction, retryThrottling, type FeaturesStepProps } from './features-step';
import type { FailureHandling } from './notify-step';

export type DistributedFeaturesConfig = RetrainingConfig['distributed'];

/** The function of every step of the Distributed Map path (lambdas/feature-shards; the state names the step). */
export function featureShardsFunction(scope: Construct, props: FeaturesStepProps): HandlerFunction {
  const fn = featureStepFunction(scope, props, {
    id: 'FeatureShards',
    handlerName: 'feature-shards',
    description: 'Feature processing of large snapshots in shards: plan, gather statistics, merge, encode',
  });
  // A shard's rows between the passes live in S3 (the children run in different environments), under scratch/.
  props.dataLake.grantReadWriteDeleteScratch(fn.role);
  acknowledgeObjectPrefix(
    fn.role,
    props.dataLake.dataBucket,
    SCRATCH_PREFIX,
    "Each run keeps its shards' rows between the passes under scratch/<run>/, named at run time, and deletes them.",
  );
  return fn;
}

/**
 * Feature processing for snapshots of at least `minSnapshotBytes`, through Step Functions
 * Distributed Map: PlanShards cuts the snapshot into shards; GatherShards (pass 1, a child per
 * `shardsPerChild` shards, `maxConcurrency` at once) validates, quarantines and counts each;
 * MergeShards merges the counts into the spec and baseline (equal to one Lambda's, exactly) and
 * fails the run on a shard whose data failed, naming it; EncodeShards (pass 2) writes each
 * shard's encoded rows; FinishFeatures marks the run's features complete and returns what
 * ProcessFeatures returns. No child failure is tolerated (ToleratedFailurePercentage 0): a
 * missing shard would train on part of the data without saying so.
 */
export function distributedFeaturesChain(
  scope: Construct,
  fn: HandlerFunction,
  props: FeaturesStepProps & { readonly distributed: DistributedFeaturesConfig; readonly failures: FailureHandling },
): sfn.Chain {
  const { distributed } = props;
  const catchAll = <T extends sfn.TaskStateBase | sfn.DistributedMap>(state: T): T => props.failures.catchAll(state);
  const config = { dataset: props.dataset, features: props.features, maxBadRowShare: props.maxBadRowShare };
  const step = (id: string, payload: Record<string, unknown>, resultPath: string) =>
    retryThrottling(
      new tasks.LambdaInvoke(scope, id, {
        lambdaFunction: fn.function,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        resultPath,
        retryOnServiceExceptions: true,
      }),
    );
  const map = (id: string, processorId: string, stepName: 'gather' | 'encode', extra: Record<string, unknown>) => {
    const state = new sfn.DistributedMap(scope, id, {
      comment: stepName === 'gather' ? 'Pass 1: validate, quarantine and count each shard' : "Pass 2: encode each shard's rows with the merged spec",
      itemReader: new sfn.S3JsonItemReader({ bucketNamePath: sfn.JsonPath.stringAt('$.shardPlan.bucket'), key: sfn.JsonPath.stringAt('$.shardPlan.key') }),
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: distributed.shardsPerChild,
        batchInput: { 'runId.$': '$.runId', 'bucket.$': '$.shardPlan.bucket' },
      }),
      maxConcurrency: distributed.maxConcurrency,
      toleratedFailurePercentage: 0,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: id,
      resultWriterV2: new GrantedResultWriter({ bucketNamePath: sfn.JsonPath.stringAt('$.shardPlan.bucket'), prefix: MAP_RUNS_PREFIX }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    state.itemProcessor(
      step(
        processorId,
        {
          step: stepName,
          runId: sfn.JsonPath.stringAt('$.BatchInput.runId'),
          bucket: sfn.JsonPath.stringAt('$.BatchInput.bucket'),
          items: sfn.JsonPath.listAt('$.Items'),
          ...extra,
        },
        '$',
      ),
    );
    return catchAll(state);
  };
  const plan = catchAll(
    step(
      PipelineStates.PLAN_SHARDS,
      { step: 'plan', runId: sfn.JsonPath.stringAt('$.runId'), manifest: sfn.JsonPath.objectAt('$.manifest'), shardBytes: distributed.shardBytes },
      '$.shardPlan',
    ),
  );
  const gather = map(PipelineStates.GATHER_SHARDS, PipelineStates.GATHER_SHARD_BATCH, 'gather', { config });
  const merge = catchAll(
    step(
      PipelineStates.MERGE_SHARDS,
      { step: 'merge', runId: sfn.JsonPath.stringAt('$.runId'), bucket: sfn.JsonPath.stringAt('$.shardPlan.bucket'), config },
      sfn.JsonPath.DISCARD,
    ),
  );
  const encode = map(PipelineStates.ENCODE_SHARDS, PipelineStates.ENCODE_SHARD_BATCH, 'encode', { trainParts: props.trainParts });
  const finish = catchAll(
    step(
      PipelineStates.FINISH_FEATURES,
      { step: 'finish', runId: sfn.JsonPath.stringAt('$.runId'), bucket: sfn.JsonPath.stringAt('$.shardPlan.bucket') },
      '$.features',
    ),
  );
  return sfn.Chain.start(plan).next(gather).next(merge).next(encode).next(finish);
}

/**
 * A ResultWriter whose S3 permissions the pipeline grants itself (DataLake.grantDistributedMapIo:
 * the map-runs prefix of the data bucket only). For a bucket given as a path, CDK's own grant is
 * s3:PutObject and more on every object of every bucket ("*").
 */
class GrantedResultWriter extends sfn.ResultWriterV2 {
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [];
  }
}

/** Which path a snapshot takes: `$.manifest.bytes` (the trigger's total of the snapshot's objects) against minSnapshotBytes. */
export function featurePathChoice(scope: Construct, minSnapshotBytes: number, distributedPath: sfn.IChainable, singlePath: sfn.IChainable): sfn.Choice {
  return new sfn.Choice(scope, PipelineStates.CHOOSE_FEATURE_PATH, { comment: `Snapshots of ${minSnapshotBytes} bytes or more take the Distributed Map path` })
    .when(
      sfn.Condition.and(sfn.Condition.isPresent('$.manifest.bytes'), sfn.Condition.numberGreaterThanEquals('$.manifest.bytes', minSnapshotBytes)),
      distributedPath,
    )
    .otherwise(singlePath);
}
