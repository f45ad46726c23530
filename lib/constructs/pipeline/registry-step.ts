import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { metricPropertyKey } from '../../../lambdas/contracts/deployment';
import { PipelineStates } from '../../../lambdas/contracts/states';
import { retrySageMakerLimits } from './retries';

export interface RegistryStepProps {
  readonly modelPackageGroupName: string;
  /** The image the packages serve with. */
  readonly imageUri: string;
  /** The metric the gate compared (recorded on each package). */
  readonly metric: string;
  /** Packages are registered Approved (deployed at once), or pending a person's approval. */
  readonly autoApprove: boolean;
}

function packageArns(scope: Construct, groupName: string): { group: string; packages: string } {
  const stack = Stack.of(scope);
  return {
    group: stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: groupName }),
    packages: stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${groupName}/*` }),
  };
}

/** A versioned model package recording its metrics and the exact data it was trained on. Output: `$.registered`. */
export function registerState(scope: Construct, props: RegistryStepProps): tasks.CallAwsService {
  const arns = packageArns(scope, props.modelPackageGroupName);
  return retrySageMakerLimits(
    new tasks.CallAwsService(scope, PipelineStates.REGISTER, {
      service: 'sagemaker',
      action: 'createModelPackage',
      parameters: {
        ModelPackageGroupName: props.modelPackageGroupName,
        ModelPackageDescription: sfn.JsonPath.format('Run {}: {}', sfn.JsonPath.stringAt('$.runId'), sfn.JsonPath.stringAt('$.evaluation.reason')),
        ModelApprovalStatus: props.autoApprove ? 'Approved' : 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [{ Image: props.imageUri, ModelDataUrl: sfn.JsonPath.stringAt('$.training.modelArtifact') }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
        },
        CustomerMetadataProperties: {
          runId: sfn.JsonPath.stringAt('$.runId'),
          trainingJobName: sfn.JsonPath.stringAt('$.training.jobName'),
          manifest: sfn.JsonPath.format('s3://{}/{}', sfn.JsonPath.stringAt('$.manifest.bucket'), sfn.JsonPath.stringAt('$.manifest.key')),
          trainData: sfn.JsonPath.stringAt('$.features.trainPrefix'),
          validationData: sfn.JsonPath.stringAt('$.features.validationPrefix'),
          featureSpecUri: sfn.JsonPath.stringAt('$.features.featureSpecUri'),
          baselineUri: sfn.JsonPath.stringAt('$.features.baselineUri'),
          [metricPropertyKey(props.metric)]: sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.evaluation.candidateValue')),
        },
      },
      iamResources: [arns.group, arns.packages],
      resultSelector: { modelPackageArn: sfn.JsonPath.stringAt('$.ModelPackageArn') },
      resultPath: '$.registered',
    }),
  );
}

/** An approved package (manual approval mode) read back for deployment. Output: `$.deploy`. */
export function describeApprovedState(scope: Construct, modelPackageGroupName: string): tasks.CallAwsService {
  return retrySageMakerLimits(
    new tasks.CallAwsService(scope, PipelineStates.DESCRIBE_APPROVED_PACKAGE, {
      service: 'sagemaker',
      action: 'describeModelPackage',
      parameters: { ModelPackageName: sfn.JsonPath.stringAt('$.approvedModelPackageArn') },
      iamResources: [packageArns(scope, modelPackageGroupName).packages],
      resultSelector: {
        modelPackageArn: sfn.JsonPath.stringAt('$.ModelPackageArn'),
        image: sfn.JsonPath.stringAt('$.InferenceSpecification.Containers[0].Image'),
        modelDataUrl: sfn.JsonPath.stringAt('$.InferenceSpecification.Containers[0].ModelDataUrl'),
        featureSpecUri: sfn.JsonPath.stringAt('$.CustomerMetadataProperties.featureSpecUri'),
        baselineUri: sfn.JsonPath.stringAt('$.CustomerMetadataProperties.baselineUri'),
        decision: 'approved in the model registry',
        // The package's metadata holds its metrics (metric:<name>) and lineage.
        metrics: sfn.JsonPath.objectAt('$.CustomerMetadataProperties'),
      },
      resultPath: '$.deploy',
    }),
  );
}

/** A package approved in the registry starts the state machine with `{ runId, approvedModelPackageArn }`. */
export function approvalRule(scope: Construct, stateMachine: sfn.IStateMachine, modelPackageGroupName: string): events.Rule {
  return new events.Rule(scope, 'ApprovalRule', {
    description: `An approved ${modelPackageGroupName} package is deployed`,
    eventPattern: {
      source: ['aws.sagemaker'],
      detailType: ['SageMaker Model Package State Change'],
      detail: { ModelPackageGroupName: [modelPackageGroupName], ModelApprovalStatus: ['Approved'] },
    },
    targets: [
      new targets.SfnStateMachine(stateMachine, {
        input: events.RuleTargetInput.fromObject({
          runId: events.EventField.fromPath('$.id'),
          approvedModelPackageArn: events.EventField.fromPath('$.detail.ModelPackageArn'),
        }),
      }),
    ],
  });
}

/**
 * A deployment that failed, rolled back or timed out marks its package Rejected, with why in its
 * approval description: the registry then says it never served (production is what serves, the
 * deployed-model parameter). Input: `$.deploy.modelPackageArn`, `$.failure.Error`, `$.runId`.
 */
export function rejectUndeployedPackageState(scope: Construct, modelPackageGroupName: string): tasks.CallAwsService {
  return retrySageMakerLimits(
    new tasks.CallAwsService(scope, PipelineStates.REJECT_UNDEPLOYED_PACKAGE, {
      service: 'sagemaker',
      action: 'updateModelPackage',
      parameters: {
        ModelPackageArn: sfn.JsonPath.stringAt('$.deploy.modelPackageArn'),
        ModelApprovalStatus: 'Rejected',
        ApprovalDescription: sfn.JsonPath.format(
          'Run {} did not deploy it ({}); it never served',
          sfn.JsonPath.stringAt('$.runId'),
          sfn.JsonPath.stringAt('$.failure.Error'),
        ),
      },
      iamResources: [packageArns(scope, modelPackageGroupName).packages],
      resultPath: sfn.JsonPath.DISCARD,
    }),
  );
}
