import { Match } from 'aws-cdk-lib/assertions';
import { PipelineStates as S } from '../../../lambdas/contracts/states';
import { distributedMapProblems, type DistributedMapState } from '../../../lib/local/services/stepfunctions/distributed-map';
import { renderStateMachine } from '../../../lib/local/services/stepfunctions/state-machine-runner';
import { synthMlopsStack } from '../../helpers/app';
import { makeConfig } from '../../helpers/config';

/**
 * The synthesized Distributed Map path against Step Functions' documented fields: the size choice,
 * the S3 JSON ItemReader of the run's plan, the ItemBatcher with its BatchInput, MaxConcurrency,
 * no tolerated failure, the ResultWriter, STANDARD child executions; and the IAM they need, scoped.
 */
describe('Distributed Map feature path', () => {
  const config = makeConfig({
    retraining: { distributed: { minSnapshotBytes: 2 ** 33, shardBytes: 2 ** 28, shardsPerChild: 8, maxConcurrency: 250 } },
    training: { instanceCount: 3 },
  });
  const { stack, template } = synthMlopsStack(config);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const definition = renderStateMachine(template.toJSON() as never, { region: 'eu-west-1' });
  const functionArn = `arn:aws:lambda:eu-west-1:000000000000:function:${id(stack.pipeline.featureShards.function)}`;

  test('GIVEN minSnapshotBytes THEN snapshots of that size and up take the Distributed Map path, smaller ones ProcessFeatures', () => {
    expect(definition.States[S.CHOOSE_FEATURE_PATH]).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.manifest.bytes', IsPresent: true },
            { Variable: '$.manifest.bytes', NumericGreaterThanEquals: 2 ** 33 },
          ],
          Next: S.PLAN_SHARDS,
        },
      ],
      Default: S.PROCESS_FEATURES,
    });
    expect(definition.States[S.PLAN_SHARDS]).toMatchObject({
      Resource: functionArn,
      Parameters: { step: 'plan', shardBytes: 2 ** 28 },
      ResultPath: '$.shardPlan',
      Next: S.GATHER_SHARDS,
    });
    expect(definition.States[S.FINISH_FEATURES]).toMatchObject({ Parameters: { step: 'finish' }, ResultPath: '$.features', Next: S.NAME_RUN });
  });

  test.each([
    [S.GATHER_SHARDS, S.GATHER_SHARD_BATCH, 'gather', S.MERGE_SHARDS],
    [S.ENCODE_SHARDS, S.ENCODE_SHARD_BATCH, 'encode', S.FINISH_FEATURES],
  ])('GIVEN %s THEN it is a Distributed Map with the documented fields, and the local twin accepts it', (name, child, step, next) => {
    const state = definition.States[name] as unknown as DistributedMapState & Record<string, unknown>;
    expect(state).toMatchObject({
      Type: 'Map',
      Label: name,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.shardPlan.bucket', 'Key.$': '$.shardPlan.key' },
      },
      ItemBatcher: { MaxItemsPerBatch: 8, BatchInput: { 'runId.$': '$.runId', 'bucket.$': '$.shardPlan.bucket' } },
      MaxConcurrency: 250,
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { 'Bucket.$': '$.shardPlan.bucket', Prefix: 'features/map-runs/' } },
      ResultPath: null,
      Next: next,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: S.NOTIFY_FAILURE }],
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: child,
        States: { [child]: { Type: 'Task', Resource: functionArn, Parameters: { step, 'items.$': '$.Items', 'runId.$': '$.BatchInput.runId' } } },
      },
    });
    // No failure tolerated: ToleratedFailurePercentage absent is 0 (a missing shard would train on part of the data).
    expect(state.ToleratedFailurePercentage ?? 0).toBe(0);
    expect(state.ToleratedFailureCount ?? 0).toBe(0);
    expect(distributedMapProblems(name, state)).toEqual([]);
  });

  test('GIVEN 3 training instances THEN pass 2 writes 3 train parts per shard (the channel is sharded by S3 key)', () => {
    const encode = definition.States[S.ENCODE_SHARDS] as unknown as DistributedMapState;
    expect(encode.ItemProcessor.States[S.ENCODE_SHARD_BATCH]).toMatchObject({ Parameters: { trainParts: 3 } });
  });

  test('GIVEN the Map states THEN the state machine role may read only the shard plans and write only under features/map-runs/, and start its own executions', () => {
    const data = id(stack.dataLake.dataBucket);
    const arnOf = (suffix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [data, 'Arn'] }, suffix]] });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(stack.pipeline.stateMachine.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 's3:GetObject', Effect: 'Allow', Resource: arnOf('/features/*/shards/plan.json') },
          {
            Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
            Effect: 'Allow',
            Resource: arnOf('/features/map-runs/*'),
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('DistributedMapPolicy'),
      PolicyDocument: {
        Statement: Match.arrayWith([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: id(stack.pipeline.stateMachine) } }]),
      },
    });
    // No statement of the role grants S3 on every resource (CDK's own ResultWriter grant for a bucket path would).
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    expect(statements.filter((s) => [s.Resource].flat().includes('*') && [s.Action].flat().some((a) => a.startsWith('s3:')))).toEqual([]);
  });

  test('GIVEN the feature-shards function THEN it may delete only under scratch/, nothing else of the bucket', () => {
    const data = id(stack.dataLake.dataBucket);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: id(stack.pipeline.featureShards.role) }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const deletes = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:Delete')));
    expect(deletes).toEqual([
      {
        Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [data, 'Arn'] }, '/scratch/*']] },
      },
    ]);
  });
});
