import { Match } from 'aws-cdk-lib/assertions';
import { PipelineStates } from '../../../lib/constructs/retraining-pipeline';
import { renderStateMachine } from '../../../lib/local/services/stepfunctions/state-machine-runner';
import { LOCAL_STACK } from '../../../lib/local/template/cfn-template';
import { synthMlopsStack } from '../../helpers/app';

/** The first block of the stack's UUID, as CloudFormation computes it from AWS::StackId. */
const STACK_UUID_PREFIX = { 'Fn::Select': [0, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] };
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
      Parameters: {
        'runId.$': '$.runId',
        'manifest.$': '$.manifest',
        config: { dataset: JSON.parse(JSON.stringify(config.dataset)), features: config.features, maxBadRowShare: 0.1 },
      },
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

  test('GIVEN the feature function THEN it has the memory, time and scratch disk to stream large files', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [id(stack.pipeline.featureProcessing.role), 'Arn'] },
      MemorySize: 2048,
      Timeout: 900,
      EphemeralStorage: { Size: 10240 },
      Runtime: 'nodejs24.x',
    });
  });

  test('GIVEN the feature function THEN it reads raw/ and writes only features/ and quarantine/', () => {
    const roleId = id(stack.pipeline.featureProcessing.role);
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }))[0];
    const bucketArn = { 'Fn::GetAtt': [id(stack.dataLake.dataBucket), 'Arn'] };
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
    // The same statements in any order (IAM does not depend on it).
    const statements = policy.Properties.PolicyDocument.Statement as unknown[];
    expect(statements).toHaveLength(6);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objects('raw/') },
        { Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], Resource: objects('features/') },
        { Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: objects('quarantine/') },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': ['features/*'] } } },
        { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [id(stack.dataLake.key), 'Arn'] } },
      ]),
    );
  });

  test('GIVEN the state machine role THEN it may invoke its function and publish to the encrypted topic', () => {
    const roleId = id(stack.pipeline.stateMachine.role);
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }))[0];
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: id(stack.notifications.topic) } }),
        expect.objectContaining({
          Action: expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey', 'kms:CreateGrant']),
          Resource: { 'Fn::GetAtt': [id(stack.dataLake.key), 'Arn'] },
        }),
        expect.objectContaining({ Action: 'lambda:InvokeFunction' }),
      ]),
    );
  });

  test('GIVEN the createTrainingJob.sync integration THEN the state machine role may tag and list the tags of its training jobs (the integration tags each job)', () => {
    const roleId = id(stack.pipeline.stateMachine.role);
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }))[0];
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const onTrainingJobs = statements.filter((s) => JSON.stringify(s.Resource).includes(':training-job/churn-*'));
    const actions = onTrainingJobs.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(
      expect.arrayContaining([
        'sagemaker:CreateTrainingJob',
        'sagemaker:DescribeTrainingJob',
        'sagemaker:StopTrainingJob',
        'sagemaker:AddTags',
        'sagemaker:ListTags',
      ]),
    );
  });
});

describe('RetrainingPipeline: training, registry and deployment', () => {
  const render = (overrides: Record<string, unknown>) => {
    const { stack, template } = synthMlopsStack(makeConfig(overrides));
    return {
      stack,
      template,
      definition: renderStateMachine(template.toJSON() as never, { region: 'eu-west-1' }) as unknown as { States: Record<string, Record<string, unknown>> },
    };
  };

  test('GIVEN spot training and a VPC THEN the training job asks for them, with checkpoints', () => {
    const { definition } = render({
      training: { spot: { enabled: true, maxWaitSeconds: 7200 }, vpc: { subnetIds: ['subnet-0a'], securityGroupIds: ['sg-0b'] } },
    });
    const train = definition.States[PipelineStates.TRAIN];
    expect(train.Resource).toBe('arn:aws:states:::sagemaker:createTrainingJob.sync');
    expect(train.Parameters).toMatchObject({
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
      CheckpointConfig: { 'S3Uri.$': expect.stringContaining('checkpoints/{}') },
      VpcConfig: { Subnets: ['subnet-0a'], SecurityGroupIds: ['sg-0b'] },
      // The image for the region the stack deploys to (eu-west-1 here), from the registry mapping.
      AlgorithmSpecification: { TrainingImage: '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1' },
    });
  });

  test.each([
    [1, 'FullyReplicated', false],
    [3, 'ShardedByS3Key', true],
  ])(
    'GIVEN %d training instance(s) THEN the rows are written in that many part files, the train channel is %s, validation replicated, traffic encryption %s',
    (instanceCount, distribution, encrypted) => {
      const { definition } = render({ training: { instanceCount } });
      const train = definition.States[PipelineStates.TRAIN] as { Parameters: { InputDataConfig: { ChannelName: string; DataSource: unknown }[] } };
      const distributions = train.Parameters.InputDataConfig.map((c) => [
        c.ChannelName,
        (c.DataSource as { S3DataSource: { S3DataDistributionType: string } }).S3DataSource.S3DataDistributionType,
      ]);
      expect(distributions).toEqual([
        ['train', distribution],
        ['validation', 'FullyReplicated'],
      ]);
      expect(train.Parameters).toMatchObject({ ResourceConfig: { InstanceCount: instanceCount }, EnableInterContainerTrafficEncryption: encrypted });
      expect(definition.States[PipelineStates.PROCESS_FEATURES].Parameters).toMatchObject({ config: { trainParts: instanceCount } });
    },
  );

  test('GIVEN instances with a canary strategy THEN updates are blue/green with auto-rollback on both endpoint alarms', () => {
    const { definition, stack } = render({
      deployment: {
        compute: { type: 'instances', memorySizeMb: undefined, maxConcurrency: undefined },
        strategy: 'canary',
        trafficStepPercent: 20,
        bakeTimeSeconds: 600,
      },
    });
    expect(definition.States[PipelineStates.UPDATE_ENDPOINT].Parameters).toEqual({
      EndpointName: 'churn-endpoint',
      'EndpointConfigName.$': '$.names.id',
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 600, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 20 } },
          TerminationWaitInSeconds: 0,
          MaximumExecutionTimeoutInSeconds: 3600,
        },
        AutoRollbackConfiguration: {
          Alarms: [{ AlarmName: `${stack.stackName}-churn-endpoint-5xx` }, { AlarmName: `${stack.stackName}-churn-endpoint-latency-p99` }],
        },
      },
    });
    expect(definition.States[PipelineStates.CREATE_ENDPOINT_CONFIG].Parameters).toMatchObject({
      ProductionVariants: [{ VariantName: 'AllTraffic', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
    });
  });

  test('GIVEN the endpoint THEN its 5XX and p99 latency alarms watch the variant and notify', () => {
    const { template } = render({ monitoring: { latencyP99Ms: 250 } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Statistic: 'Sum',
      Threshold: 0,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Dimensions: [
        { Name: 'EndpointName', Value: 'churn-endpoint' },
        { Name: 'VariantName', Value: 'AllTraffic' },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      ExtendedStatistic: 'p99',
      Threshold: 250_000,
    });
  });

  test('GIVEN a serverless endpoint THEN the model has no network isolation or VPC and the config no data capture (SageMaker Serverless Inference excludes them)', () => {
    const vpc = { subnetIds: ['subnet-0abc'], securityGroupIds: ['sg-0abc'] };
    const { definition } = render({
      deployment: { compute: { type: 'serverless', instanceType: undefined, instanceCount: undefined, memorySizeMb: 2048, maxConcurrency: 5 } },
      training: { vpc },
    });
    const model = definition.States[PipelineStates.CREATE_MODEL].Parameters as Record<string, unknown>;
    const config = definition.States[PipelineStates.CREATE_ENDPOINT_CONFIG].Parameters as Record<string, unknown>;
    expect(model).not.toHaveProperty('EnableNetworkIsolation');
    expect(model).not.toHaveProperty('VpcConfig');
    expect(config).not.toHaveProperty('DataCaptureConfig');
    expect(config.ProductionVariants).toEqual([expect.objectContaining({ ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } })]);
  });

  test('GIVEN instances THEN the model is network-isolated in the VPC and the config captures requests and responses', () => {
    const vpc = { subnetIds: ['subnet-0abc'], securityGroupIds: ['sg-0abc'] };
    const { definition } = render({ deployment: { compute: { type: 'instances', instanceType: 'ml.m5.large', instanceCount: 1 } }, training: { vpc } });
    expect(definition.States[PipelineStates.CREATE_MODEL].Parameters).toMatchObject({ EnableNetworkIsolation: true, VpcConfig: { Subnets: ['subnet-0abc'] } });
    expect(definition.States[PipelineStates.CREATE_ENDPOINT_CONFIG].Parameters).toMatchObject({ DataCaptureConfig: { EnableCapture: true } });
  });

  test('GIVEN transient errors THEN publishing retries SSM limits, and CreateEndpoint/UpdateEndpoint the eventually consistent config read', () => {
    const { definition } = render({});
    const errorsOf = (state: string) => (definition.States[state].Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
    expect(errorsOf(PipelineStates.PUBLISH_DEPLOYED_MODEL)).toEqual(expect.arrayContaining(['SSM.TooManyUpdatesException', 'SSM.ThrottlingException']));
    expect(errorsOf(PipelineStates.PUBLISH_DEPLOYED_MODEL)).not.toContain('SageMaker.ThrottlingException');
    for (const state of [PipelineStates.CREATE_ENDPOINT, PipelineStates.UPDATE_ENDPOINT]) expect(errorsOf(state)).toContain('SageMaker.ValidationException');
  });

  test('GIVEN auto approval THEN packages register Approved and no approval rule exists (it would deploy twice)', () => {
    const { definition, template } = render({});
    expect(definition.States[PipelineStates.REGISTER].Parameters).toMatchObject({
      ModelPackageGroupName: `churn-models-${LOCAL_STACK.uuid.split('-')[0]}`,
      ModelApprovalStatus: 'Approved',
    });
    template.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: { source: ['aws.sagemaker'] } }, 0);
  });

  test('GIVEN the retained model package group THEN its name carries the stack UUID, so a re-created stack or another stage never collides', () => {
    const { template } = render({});
    template.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupName: { 'Fn::Join': ['', ['churn-models-', STACK_UUID_PREFIX]] } });
    template.hasResource('AWS::SageMaker::ModelPackageGroup', { DeletionPolicy: 'Retain' });
  });

  test('GIVEN manual approval THEN packages wait for approval and an approved package starts a deployment', () => {
    const { definition, template, stack } = render({ deployment: { approval: 'manual' } });
    expect(definition.States[PipelineStates.REGISTER].Parameters).toMatchObject({ ModelApprovalStatus: 'PendingManualApproval' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [{ 'Fn::Join': ['', ['churn-models-', STACK_UUID_PREFIX]] }], ModelApprovalStatus: ['Approved'] },
      },
      Targets: [
        {
          Arn: { Ref: stack.getLogicalId(stack.pipeline.stateMachine.node.defaultChild as never) },
          InputTransformer: { InputTemplate: '{"runId":<id>,"approvedModelPackageArn":<detail-ModelPackageArn>}' },
        },
      ],
    });
  });

  test('GIVEN the SageMaker role THEN only SageMaker in this account may assume it', () => {
    const { template, stack } = render({});
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'sagemaker.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
    expect(stack.pipeline.deployedModelParameter.node.defaultChild).toBeDefined();
  });
});
