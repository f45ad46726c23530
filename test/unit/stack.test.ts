import { Stack } from 'aws-cdk-lib';
import { Annotations as AssertAnnotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { MlopsStack } from '../../lib/stacks/mlops-stack';
import { newStack, synthMlopsStack } from '../helpers/app';
import { makeConfig } from '../helpers/config';

function violationsOf(stack: Stack): string[] {
  const report = new AwsSolutionsChecks(stack.node.scope).validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

const id = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

describe('MlopsStack', () => {
  test('GIVEN the default config THEN cdk-nag AwsSolutions finds no unacknowledged violation', () => {
    const { stack } = synthMlopsStack();
    expect(violationsOf(stack)).toEqual([]);
  });

  test('GIVEN a disposable dev stack THEN cdk-nag is still clean', () => {
    const { stack } = synthMlopsStack(makeConfig({ removalPolicy: 'destroy' }));
    expect(violationsOf(stack)).toEqual([]);
  });

  test('GIVEN a bare bucket (negative control) THEN cdk-nag reports it, so a clean report means something', () => {
    const stack = newStack();
    new s3.Bucket(stack, 'Bare');
    expect(violationsOf(stack)).toEqual(expect.arrayContaining(['AwsSolutions-S1 at TestStack/Bare/Resource', 'AwsSolutions-S10 at TestStack/Bare/Resource']));
  });

  test('GIVEN the stack THEN every IAM statement with a "*" resource is one of the acknowledged, reasoned ones', () => {
    const { stack, template } = synthMlopsStack();
    const policyOf = (role: { node: { findChild(id: string): unknown } }) => id(stack, role.node.findChild('DefaultPolicy') as never);
    const wildcard = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([logicalId, policy]) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((s) => [s.Resource].flat().includes('*'))
        .flatMap((s) => [s.Action].flat().map((action) => `${logicalId} ${action}`)),
    );
    const pipeline = stack.pipeline;
    // Each has no resource-level permissions; the reasons are acknowledged where the grant is made.
    const allowed = [
      ...[
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:DescribeLogGroups',
        'logs:DescribeResourcePolicies',
        'logs:GetLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].map((a) => `${policyOf(pipeline.stateMachine.role)} ${a}`),
      `${policyOf(pipeline.sagemakerRole)} ecr:GetAuthorizationToken`,
      `${policyOf(pipeline.sagemakerRole)} cloudwatch:PutMetricData`,
      `${policyOf(stack.driftMonitor.handler.role)} cloudwatch:PutMetricData`,
    ];
    expect(wildcard.sort()).toEqual(allowed.sort());
  });

  test('GIVEN the SageMaker role THEN PutMetricData is limited to SageMaker namespaces and PassRole only goes to SageMaker', () => {
    const { template } = synthMlopsStack();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } } }),
        ]),
      },
    });
    const passRole = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[]; Condition?: unknown }[]).filter((s) => [s.Action].flat().includes('iam:PassRole')),
    );
    expect(passRole.length).toBeGreaterThan(0);
    for (const statement of passRole) expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
  });

  test('GIVEN email addresses THEN the KMS-encrypted, TLS-only topic has one subscription each', () => {
    const { stack, template } = synthMlopsStack(makeConfig({ notifications: { emails: ['ml-team@example.com', 'oncall@example.com'] } }));
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [id(stack, stack.dataLake.key), 'Arn'] } });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: id(stack, stack.notifications.topic) },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  test('GIVEN the stack THEN CloudWatch may use the key to publish alarms to the encrypted topic', () => {
    const { template } = synthMlopsStack();
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]),
      },
    });
  });

  test('GIVEN the key, queue and topic policies THEN every service principal carries aws:SourceAccount, and EventBridge on the queue the SourceArn of its rules', () => {
    const { stack, template } = synthMlopsStack(makeConfig({ monitoring: { retrainOnDrift: { enabled: true } } }));
    const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, { Statement: Record<string, unknown>[] }> }> };
    const statements = Object.values(json.Resources).flatMap((r) =>
      ['AWS::KMS::Key', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy'].includes(r.Type)
        ? (r.Properties.KeyPolicy ?? r.Properties.PolicyDocument).Statement.map((st) => ({ type: r.Type, st }))
        : [],
    );
    const services = statements.filter(({ st }) => (st.Principal as { Service?: unknown } | undefined)?.Service !== undefined);
    // events + logging.s3 (CDK's grants for the encrypted queue and the log bucket), cloudwatch, and the queue's EventBridge statement.
    expect(services.length).toBeGreaterThanOrEqual(3);
    for (const { st } of services) expect(st.Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    const queue = services.find(({ type }) => type === 'AWS::SQS::QueuePolicy')!.st;
    expect(queue.Condition).toMatchObject({
      ArnEquals: {
        'aws:SourceArn': expect.arrayContaining([
          { 'Fn::GetAtt': [id(stack, stack.trigger.rule), 'Arn'] },
          { 'Fn::GetAtt': [id(stack, stack.driftMonitor.retrainRule!), 'Arn'] },
        ]),
      },
    });
  });

  test('GIVEN a serverless deployment THEN synth warns that the drift check will get no captured data, and an instance deployment does not', () => {
    const warnings = (config: ReturnType<typeof makeConfig>) =>
      AssertAnnotations.fromStack(synthMlopsStack(config).stack).findWarning('*', Match.stringLikeRegexp('drift check will find no captured requests'));
    const serverless = { type: 'serverless', instanceType: undefined, instanceCount: undefined, memorySizeMb: 2048, maxConcurrency: 5 };
    expect(warnings(makeConfig({ deployment: { compute: serverless, strategy: 'all-at-once' } }))).toHaveLength(1);
    expect(warnings(makeConfig())).toHaveLength(0);
  });

  test('GIVEN the stack THEN a dead-lettered upload event raises an alarm that notifies the topic on alarm and on recovery', () => {
    const { stack, template } = synthMlopsStack();
    const topic = { Ref: id(stack, stack.notifications.topic) };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack, stack.trigger.deadLetterQueue), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
    });
    // Every alarm goes through the one facade, so every alarm has the same actions.
    expect(stack.notifications.alarms).toHaveLength(7);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topic], OKActions: [topic] });
  });

  test('GIVEN the pipeline THEN failed and timed-out runs raise alarms', () => {
    const { stack, template } = synthMlopsStack();
    for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metricName,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: id(stack, stack.pipeline.stateMachine) } }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  test('GIVEN the config THEN the trigger is wired to the retraining state machine with the configured debounce', () => {
    const { stack, template } = synthMlopsStack(makeConfig({ retraining: { debounceSeconds: 120, rawPrefix: 'uploads/' } }));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { STATE_MACHINE_ARN: { Ref: id(stack, stack.pipeline.stateMachine) }, RAW_PREFIX: 'uploads/' } },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: 120 });
  });

  test('GIVEN no account in the environment THEN the stack is environment-agnostic (synth needs no credentials)', () => {
    const { stack } = synthMlopsStack();
    expect(Stack.of(stack as MlopsStack).environment).toBe('aws://unknown-account/unknown-region');
  });
});
