import { Match } from 'aws-cdk-lib/assertions';
import { PipelineStates } from '../../../lib/constructs/retraining-pipeline';
import { renderStateMachine } from '../../../lib/local/state-machine-runner';
import { synthMlopsStack } from '../../helpers/app';
import { makeConfig } from '../../helpers/config';

describe('RetrainingPipeline', () => {
  const config = makeConfig({ retraining: { maxBadRowShare: 0.1 }, features: { topCategories: 7 } });
  const { stack, template } = synthMlopsStack(config);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const definition = renderStateMachine(template.toJSON() as never, { region: 'eu-west-1' });

  test('GIVEN the config THEN the feature step passes the run, the manifest and the data set config to the handler', () => {
    const state = definition.States[PipelineStates.PROCESS_FEATURES] as unknown as Record<string, unknown>;
    expect(state).toMatchObject({
      Type: 'Task',
      Resource: `arn:aws:lambda:eu-west-1:000000000000:function:${id(stack.pipeline.featureProcessing.function)}`,
      Parameters: { 'runId.$': '$.runId', 'manifest.$': '$.manifest', config: { dataset: JSON.parse(JSON.stringify(config.dataset)), features: config.features, maxBadRowShare: 0.1 } },
      ResultPath: '$.features',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: PipelineStates.NOTIFY_FAILURE }],
    });
    expect(state.Retry).toEqual([
      expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.ServiceException', 'Lambda.AWSLambdaException']) }),
      { ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 5, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: 'FULL' },
    ]);
  });

  test('GIVEN a failure THEN it is published to the topic and the run ends failed', () => {
    expect(definition.States[PipelineStates.NOTIFY_FAILURE]).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: { TopicArn: `arn:aws:sns:eu-west-1:000000000000:${id(stack.notifications.topic)}` },
      Next: PipelineStates.RUN_FAILED,
    });
    expect(definition.States[PipelineStates.RUN_FAILED]).toMatchObject({ Type: 'Fail', Error: 'RetrainingFailed' });
  });

  test('GIVEN the state machine THEN it logs everything, is traced and times out', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }] },
      TracingConfiguration: { Enabled: true },
    });
    expect(JSON.stringify(definition)).toContain('"TimeoutSeconds":86400');
  });

  test('GIVEN the feature function THEN it has the memory and time to stream large files', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [id(stack.pipeline.featureProcessing.role), 'Arn'] },
      MemorySize: 2048,
      Timeout: 900,
      Runtime: 'nodejs24.x',
    });
  });

  test('GIVEN the feature function THEN it reads raw/ and writes only features/ and quarantine/', () => {
    const roleId = id(stack.pipeline.featureProcessing.role);
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }))[0];
    const bucketArn = { 'Fn::GetAtt': [id(stack.dataLake.dataBucket), 'Arn'] };
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objects('raw/') },
      { Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], Resource: objects('features/') },
      { Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: objects('quarantine/') },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': ['features/*'] } } },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [id(stack.dataLake.key), 'Arn'] } },
    ]);
  });

  test('GIVEN the state machine role THEN it may invoke its function and publish to the encrypted topic', () => {
    const roleId = id(stack.pipeline.stateMachine.role);
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }))[0];
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: id(stack.notifications.topic) } }),
        expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [id(stack.dataLake.key), 'Arn'] } }),
        expect.objectContaining({ Action: 'lambda:InvokeFunction' }),
      ]),
    );
  });
});
