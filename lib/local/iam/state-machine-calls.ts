import { LOCAL_ACCOUNT } from '../template/cfn-template';
import type { AuthorizationRequest } from './local-iam';

/** What one Task state asks of IAM, given its input after Parameters. */
export type TaskAuthorization = (input: Record<string, string>) => AuthorizationRequest[];

/** The KMS key that encrypts a topic, by topic ARN (SNS needs the publisher to use it). */
export type TopicKeys = ReadonlyMap<string, string | undefined>;

/** sns:Publish on the topic, and on its KMS key the data-key use SNS makes for an encrypted topic. */
export function snsPublishRequests(topicArn: string, topicKeys: TopicKeys): AuthorizationRequest[] {
  const key = topicKeys.get(topicArn);
  const keyUse = key ? ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({ action, resource: key })) : [];
  return [{ action: 'sns:Publish', resource: topicArn }, ...keyUse];
}

const PASSED_TO_SAGEMAKER = { 'iam:PassedToService': 'sagemaker.amazonaws.com' };

/**
 * The calls Step Functions makes under the state machine's role for each integration this
 * pipeline uses (AWS docs, "IAM policies for ... integrated services"): the API call itself, and
 * for `createTrainingJob.sync` also the tags it adds to the job, the DescribeTrainingJob polling
 * and the managed EventBridge rule; `iam:PassRole` for every role a request passes; `kms:`
 * GenerateDataKey and Decrypt for publishing to an encrypted topic.
 */
export function taskAuthorization(resource: string, region: string, topicKeys: TopicKeys): TaskAuthorization {
  const arn = (service: string, path: string) => `arn:aws:${service}:${region}:${LOCAL_ACCOUNT}:${path}`;
  const sagemaker = (type: string, name: string) => arn('sagemaker', `${type}/${name.toLowerCase()}`);
  const lambda = /^arn:aws:lambda:[^:]+:\d{12}:function:[^:]+$/.exec(resource);
  if (lambda) return () => [{ action: 'lambda:InvokeFunction', resource }];
  switch (resource) {
    case 'arn:aws:states:::sagemaker:createTrainingJob.sync': {
      const rule = arn('events', 'rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule');
      return (input) => {
        const job = sagemaker('training-job', input.TrainingJobName);
        return [
          { action: 'iam:PassRole', resource: input.RoleArn, context: PASSED_TO_SAGEMAKER },
          { action: 'sagemaker:CreateTrainingJob', resource: job },
          { action: 'sagemaker:AddTags', resource: job },
          { action: 'sagemaker:DescribeTrainingJob', resource: job },
          ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({ action, resource: rule })),
        ];
      };
    }
    case 'arn:aws:states:::aws-sdk:sagemaker:createModelPackage':
      // The version SageMaker will number is unknown before the call: any version of the group.
      return (input) => [{ action: 'sagemaker:CreateModelPackage', resource: sagemaker('model-package', `${input.ModelPackageGroupName}/1`) }];
    case 'arn:aws:states:::aws-sdk:sagemaker:describeModelPackage':
      return (input) => [{ action: 'sagemaker:DescribeModelPackage', resource: input.ModelPackageName }];
    case 'arn:aws:states:::aws-sdk:sagemaker:updateModelPackage':
      return (input) => [{ action: 'sagemaker:UpdateModelPackage', resource: input.ModelPackageArn }];
    case 'arn:aws:states:::aws-sdk:sagemaker:createModel':
      return (input) => [
        { action: 'iam:PassRole', resource: input.ExecutionRoleArn, context: PASSED_TO_SAGEMAKER },
        { action: 'sagemaker:CreateModel', resource: sagemaker('model', input.ModelName) },
      ];
    case 'arn:aws:states:::aws-sdk:sagemaker:createEndpointConfig':
      return (input) => [{ action: 'sagemaker:CreateEndpointConfig', resource: sagemaker('endpoint-config', input.EndpointConfigName) }];
    case 'arn:aws:states:::aws-sdk:sagemaker:createEndpoint':
    case 'arn:aws:states:::aws-sdk:sagemaker:updateEndpoint': {
      const action = resource.endsWith('createEndpoint') ? 'sagemaker:CreateEndpoint' : 'sagemaker:UpdateEndpoint';
      return (input) => [
        { action, resource: sagemaker('endpoint', input.EndpointName) },
        { action, resource: sagemaker('endpoint-config', input.EndpointConfigName) },
      ];
    }
    case 'arn:aws:states:::aws-sdk:sagemaker:describeEndpoint':
      return (input) => [{ action: 'sagemaker:DescribeEndpoint', resource: sagemaker('endpoint', input.EndpointName) }];
    case 'arn:aws:states:::aws-sdk:ssm:putParameter':
      return (input) => [{ action: 'ssm:PutParameter', resource: arn('ssm', `parameter/${input.Name.replace(/^\//, '')}`) }];
    case 'arn:aws:states:::sns:publish':
      return (input) => snsPublishRequests(input.TopicArn, topicKeys);
    default:
      throw new Error(`local IAM does not know which permissions the integration ${resource} needs: add it to lib/local/iam/state-machine-calls.ts`);
  }
}

/**
 * What an integration asks of IAM when the execution is stopped while its Task runs: a `.sync`
 * job is stopped (StopTrainingJob for createTrainingJob.sync); other integrations make no call.
 */
export function taskStopAuthorization(resource: string, region: string): TaskAuthorization | undefined {
  if (resource !== 'arn:aws:states:::sagemaker:createTrainingJob.sync') return undefined;
  return (input) => [
    { action: 'sagemaker:StopTrainingJob', resource: `arn:aws:sagemaker:${region}:${LOCAL_ACCOUNT}:training-job/${input.TrainingJobName.toLowerCase()}` },
  ];
}
