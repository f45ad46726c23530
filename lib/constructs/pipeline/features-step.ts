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
  const { dataLake, rawPrefix } = props;
  const fn = new HandlerFunction(scope, 'FeatureProcessing', {
    handlerName: 'feature-processing',
    description: 'Validates a data snapshot and writes features, quarantine, spec and baseline',
    key: dataLake.key,
    // Memory is bounded (streaming); more memory buys CPU for parsing.
    memorySize: 2048,
    timeout: Duration.minutes(15),
    // Scratch for the encoded rows between the two passes (about the snapshot's size); the most
    // Lambda offers. Billed per GB-second only while the function runs.
    ephemeralStorageSize: Size.gibibytes(10),
    environment: {},
    logRemovalPolicy: props.logRemovalPolicy,
  });
  const { role } = fn;
  dataLake.grantReadRaw(role, rawPrefix);
  // Reads its own completion marker (a retry returns the stored result).
  dataLake.grantReadFeatures(role);
  dataLake.grantWriteFeatures(role);
  dataLake.grantWriteQuarantine(role);
  const bucket = dataLake.dataBucket;
  acknowledgeObjectPrefix(role, bucket, rawPrefix, 'Object keys of a snapshot are only known at run time; reads are limited to the raw prefix.');
  acknowledgeObjectPrefix(role, bucket, FEATURES_PREFIX, 'Each run writes under features/<run>/, named at run time.');
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
