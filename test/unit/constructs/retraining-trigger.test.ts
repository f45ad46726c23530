import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DataLake } from '../../../lib/constructs/data-lake';
import { Notifications } from '../../../lib/constructs/notifications';
import { RetrainingTrigger, type RetrainingTriggerProps } from '../../../lib/constructs/retraining-trigger';
import { newStack } from '../../helpers/app';

function buildTrigger(props: Partial<RetrainingTriggerProps> = {}) {
  const stack = newStack();
  const lake = new DataLake(stack, 'Lake');
  // The trigger only needs something to start: a state machine built here, as the pipeline will be.
  const stateMachine = new sfn.StateMachine(stack, 'Pipeline', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Succeed(stack, 'Done')) });
  const trigger = new RetrainingTrigger(stack, 'Trigger', { dataLake: lake, stateMachine, ...props });
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  return { stack, lake, trigger, template: Template.fromStack(stack), id, stateMachineId: id(stateMachine) };
}

describe('RetrainingTrigger', () => {
  test('GIVEN a data bucket THEN the rule matches every kind of non-empty object creation under the raw prefix', () => {
    const { template, id, lake, trigger } = buildTrigger({ rawPrefix: 'incoming/' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ Ref: id(lake.dataBucket) }] },
          object: { key: [{ prefix: 'incoming/' }], size: [{ numeric: ['>', 0] }] },
          reason: ['PutObject', 'POST Object', 'CopyObject', 'CompleteMultipartUpload'],
        },
      },
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [id(trigger.queue), 'Arn'] }, Id: Match.anyValue() }],
    });
  });

  test('GIVEN retry settings THEN the KMS-encrypted queue redrives to a KMS-encrypted DLQ after the attempts', () => {
    const { template, id, lake, trigger } = buildTrigger({ retryInterval: Duration.minutes(15), maxDeliveryAttempts: 12 });
    const keyArn = { 'Fn::GetAtt': [id(lake.key), 'Arn'] };
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: keyArn,
      VisibilityTimeout: 900,
      MessageRetentionPeriod: 1_209_600,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id(trigger.deadLetterQueue), 'Arn'] }, maxReceiveCount: 12 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn, MessageRetentionPeriod: 1_209_600, RedrivePolicy: Match.absent() });
  });

  test('GIVEN the queues THEN both refuse requests without TLS and only EventBridge may send to the main queue', () => {
    const { template, id, trigger } = buildTrigger();
    for (const queue of [trigger.queue, trigger.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id(queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(trigger.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
            Principal: { Service: 'events.amazonaws.com' },
          }),
        ]),
      },
    });
  });

  test('GIVEN a debounce THEN the function consumes batches over that window and reports partial failures', () => {
    const { template, id, trigger } = buildTrigger({ debounce: Duration.seconds(45) });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(trigger.queue), 'Arn'] },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 45,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('GIVEN no debounce THEN batches stay within the 10 messages SQS allows without a window', () => {
    const { template } = buildTrigger({ debounce: Duration.seconds(0) });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10, MaximumBatchingWindowInSeconds: Match.absent() });
  });

  test('GIVEN defaults THEN the function runs one batch at a time on a current runtime with its settings in the environment', () => {
    const { template, id, lake, stateMachineId } = buildTrigger();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 60,
      ReservedConcurrentExecutions: 1,
      KmsKeyArn: { 'Fn::GetAtt': [id(lake.key), 'Arn'] },
      Environment: { Variables: { DATA_BUCKET: { Ref: id(lake.dataBucket) }, RAW_PREFIX: 'raw/', STATE_MACHINE_ARN: { Ref: stateMachineId } } },
    });
  });

  test('GIVEN defaults THEN the role may read raw/, write features/, start and list executions and nothing wider', () => {
    const { stack, template, id, lake, trigger, stateMachineId } = buildTrigger();
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(trigger.handler.role.node.defaultChild as never) }] },
    });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
    const bucketArn = { 'Fn::GetAtt': [id(lake.dataBucket), 'Arn'] };
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [id(trigger.handler.logGroup), 'Arn'] } }),
        expect.objectContaining({ Action: 's3:ListBucket', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': ['raw/*'] } } }),
        expect.objectContaining({ Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objects('raw/') }),
        expect.objectContaining({ Action: 's3:PutObject', Resource: objects('features/') }),
        expect.objectContaining({ Action: ['states:ListExecutions', 'states:StartExecution'], Resource: { Ref: stateMachineId } }),
      ]),
    );
    const resources = statements.flatMap((s) => [s.Resource].flat());
    expect(resources).not.toContain('*');
    expect(JSON.stringify(statements)).not.toMatch(/"s3:\*"|"s3:Delete|"states:\*"/);
  });

  test('GIVEN a notifications topic THEN the function is told it and the data set, and may publish to it and use its key (and no wider)', () => {
    const stack = newStack();
    const lake = new DataLake(stack, 'Lake');
    const notifications = new Notifications(stack, 'Notifications', { key: lake.key });
    const stateMachine = new sfn.StateMachine(stack, 'Pipeline', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Succeed(stack, 'Done')) });
    const trigger = new RetrainingTrigger(stack, 'Trigger', { dataLake: lake, stateMachine, notifications, datasetName: 'churn' });
    const template = Template.fromStack(stack);
    const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
    const topic = { Ref: id(notifications.topic) };
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NOTIFICATION_TOPIC_ARN: topic, DATASET_NAME: 'churn' }) },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id(trigger.handler.role) }] } })).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[],
    );
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'sns:Publish', Resource: topic }),
        expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [id(lake.key), 'Arn'] } }),
      ]),
    );
    // Without a topic (the control): no variable, no grant.
    const plain = buildTrigger().template;
    expect(JSON.stringify(plain.toJSON())).not.toContain('NOTIFICATION_TOPIC_ARN');
    expect(JSON.stringify(plain.toJSON())).not.toContain('sns:Publish');
  });

  test('GIVEN the dead-letter metric THEN it watches visible messages on the DLQ', () => {
    const { trigger, stack } = buildTrigger();
    const metric = trigger.metricDeadLetters();
    expect(metric.metricName).toBe('ApproximateNumberOfMessagesVisible');
    expect(metric.statistic).toBe('Maximum');
    expect(stack.resolve(metric.dimensions)).toEqual({
      QueueName: { 'Fn::GetAtt': [stack.getLogicalId(trigger.deadLetterQueue.node.defaultChild as never), 'QueueName'] },
    });
  });

  test.each<[string, Partial<RetrainingTriggerProps>, string]>([
    ['a debounce above the SQS window limit', { debounce: Duration.seconds(301) }, 'TestStack/Trigger: debounce must be at most 300 seconds'],
    ['a prefix without a slash', { rawPrefix: 'raw' }, 'TestStack/Trigger: rawPrefix must end with "/"'],
    [
      'a retry interval below the handler timeout',
      { retryInterval: Duration.seconds(30) },
      'TestStack/Trigger: retryInterval must be at least the handler timeout (60 s)',
    ],
  ])('GIVEN %s THEN construction fails naming the construct', (_case, props, message) => {
    expect(() => buildTrigger(props)).toThrow(message);
  });

  test('GIVEN the construct THEN it adds nothing to other stacks', () => {
    const { stack } = buildTrigger();
    expect(
      Stack.of(stack)
        .node.findAll()
        .every((c) => Stack.of(c) === stack),
    ).toBe(true);
  });
});
