import { Duration, Size, type RemovalPolicy } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { DatasetConfig, FeaturesConfig } from '../../../lambdas/contracts/config/resolve';
import { FEATURES_PREFIX, QUARANTINE_PREFIX } from '../../../lambdas/contracts/layout';
import { PipelineStates } from '../../../lambdas/contracts/states';
import type { DataLake } from '../data-lake';
import { HandlerFunction } from '../handler-function';
import { acknowledgeObjectPrefix } from '../nag';

export interface FeaturesStepProps {
  readonly dataLake: DataLake;
  readonly dataset: DatasetConfig;
  readonly features: FeaturesConfig;
  readonly rawPrefix: string;
  readonly maxBadRowShare: number;
  /** How many part files the training rows are written to: the training instance count (its channel is sharded by S3 key). */
  readonly trainParts: number;
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The feature-processing function: reads pinned raw versions, writes features/ and quarantine/. */
export function featureProcessingFunction(scope: Construct, props: FeaturesStepProps): HandlerFunction {
  return featureStepFunction(scope, props, {
    id: 'FeatureProcessing',
    handlerName: 'feature-processing',
    description: 'Validates a data snapshot and writes features, quarantine, spec and baseline',
  });
}

/**
 * A function of feature processing (one Lambda, or a step of the Distributed Map path): 2048 MB
 * (memory is bounded by streaming; more of it buys CPU for parsing), 15 minutes, and 10 GiB of
 * scratch for the encoded rows between the two passes (the most Lambda offers, billed per
 * GB-second only while it runs). It reads the snapshot's pinned raw versions, reads and writes
 * features/ (a retry reads its own completion marker) and writes quarantine/.
 */
export function featureStepFunction(
  scope: Construct,
  props: FeaturesStepProps,
  options: { readonly id: string; readonly handlerName: string; readonly description: string },
): HandlerFunction {
  const { dataLake, rawPrefix } = props;
  const fn = new HandlerFunction(scope, options.id, {
    handlerName: options.handlerName,
    description: options.description,
    key: dataLake.key,
    memorySize: 2048,
    timeout: Duration.minutes(15),
    ephemeralStorageSize: Size.gibibytes(10),
    environment: {},
    logRemovalPolicy: props.logRemovalPolicy,
  });
  const { role } = fn;
  dataLake.grantReadRaw(role, rawPrefix);
  dataLake.grantReadFeatures(role);
  dataLake.grantWriteFeatures(role);
  dataLake.grantWriteQuarantine(role);
  const bucket = dataLake.dataBucket;
  acknowledgeObjectPrefix(role, bucket, rawPrefix, 'Object keys of a snapshot are only known at run time; reads are limited to the raw prefix.');
  acknowledgeObjectPrefix(role, bucket, FEATURES_PREFIX, 'Each run reads and writes under features/<run>/, named at run time.');
  acknowledgeObjectPrefix(role, bucket, QUARANTINE_PREFIX, 'Each run writes its rejected rows under quarantine/<run>/, named at run time.');
  return fn;
}

/** Validate the snapshot, quarantine bad rows, fit the spec and baseline, write train/validation. Output: `$.features`. */
export function processFeaturesState(scope: Construct, fn: HandlerFunction, props: FeaturesStepProps): tasks.LambdaInvoke {
  const state = new tasks.LambdaInvoke(scope, PipelineStates.PROCESS_FEATURES, {
    lambdaFunction: fn.function,
    comment: 'Validate the snapshot, quarantine bad rows, fit the feature spec and baseline, write train/validation',
    payload: sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt('$.runId'),
      manifest: sfn.JsonPath.objectAt('$.manifest'),
      config: { dataset: props.dataset, features: props.features, maxBadRowShare: props.maxBadRowShare, trainParts: props.trainParts },
    }),
    payloadResponseOnly: true,
    resultPath: '$.features',
    retryOnServiceExceptions: true,
  });
  return state;
}

/** Lambda throttling is not in LambdaInvoke's default retry. */
export function retryThrottling(state: tasks.LambdaInvoke): tasks.LambdaInvoke {
  state.addRetry({
    errors: ['Lambda.TooManyRequestsException'],
    interval: Duration.seconds(5),
    maxAttempts: 6,
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return state;
}
