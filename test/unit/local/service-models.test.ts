import { TrainingInstanceType } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describeProblems, modelPattern, requestProblems } from '../../../lib/local/aws-models/request-validation';
import { withSdkEnums } from '../../../lib/local/aws-models/sdk-enums';
import { jsonServiceValidator, requiredServiceModels } from '../../../lib/local/aws-models/service-requests';
import { definitionProblems, taskOperation, validatedTaskHandlers } from '../../../lib/local/aws-models/task-requests';
import type { RunningServer } from '../../../lib/local/services/json-rpc-server';
import { LocalParameterStore } from '../../../lib/local/services/ssm';
import { renderStateMachine, taskStates, type AslDefinition } from '../../../lib/local/services/stepfunctions/state-machine-runner';
import type { CfnTemplate } from '../../../lib/local/template/cfn-template';
import type { MlopsConfig } from '../../../lib/config';
import { synthMlopsStack } from '../../helpers/app';
import { makeConfig } from '../../helpers/config';

/** Requests checked against AWS's published models (botocore's, with the SDK client's enums), in the words AWS's services use. */
const models = requiredServiceModels();
const sagemaker = models.model('sagemaker');
const trainingJob = (extra: Record<string, unknown> = {}) => ({
  TrainingJobName: 'churn-1',
  RoleArn: 'arn:aws:iam::000000000000:role/TrainingRole',
  AlgorithmSpecification: { TrainingImage: 'image', TrainingInputMode: 'File' },
  InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/features/train/' } } }],
  OutputDataConfig: { S3OutputPath: 's3://models/' },
  ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
  StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  ...extra,
});
const messages = (input: unknown, operation = 'CreateTrainingJob') => requestProblems(sagemaker, operation, input).map((p) => p.message);

describe("AWS's service models", () => {
  test('GIVEN a valid CreateTrainingJob request THEN it has no problem (the control)', () => {
    expect(messages(trainingJob())).toEqual([]);
  });

  test.each<[string, Record<string, unknown>, string]>([
    [
      'a 64-character job name',
      { TrainingJobName: 'a'.repeat(64) },
      `Value '${'a'.repeat(64)}' at 'trainingJobName' failed to satisfy constraint: Member must have length less than or equal to 63`,
    ],
    [
      'an underscore in the job name',
      { TrainingJobName: 'churn_1' },
      "Value 'churn_1' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    ],
    ['no role', { RoleArn: undefined }, "Value null at 'roleArn' failed to satisfy constraint: Member must not be null"],
    [
      'an instance type that does not exist',
      { ResourceConfig: { InstanceType: 'ml.m5.huge', InstanceCount: 1, VolumeSizeInGB: 5 } },
      "Value 'ml.m5.huge' at 'resourceConfig.instanceType' failed to satisfy constraint: Member must satisfy enum value set: [",
    ],
    [
      'a runtime above the maximum',
      { StoppingCondition: { MaxRuntimeInSeconds: 0 } },
      "Value 0 at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
    [
      'a channel without a name',
      { InputDataConfig: [{ DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/x/' } } }] },
      "Value null at 'inputDataConfig.1.member.channelName' failed to satisfy constraint: Member must not be null",
    ],
    [
      'a hyperparameter value longer than 2,500 characters',
      { HyperParameters: { eta: 'x'.repeat(2501) } },
      "at 'hyperParameters.eta.value' failed to satisfy constraint: Member must have length less than or equal to 2500",
    ],
  ])('GIVEN %s THEN the request breaks the model as SageMaker reports it', (_what, change, expected) => {
    expect(messages(trainingJob(change)).join('\n')).toContain(expected);
  });

  test("GIVEN an enum of botocore's model THEN the twin uses the SDK client's values (the config schema's source), so a type only the newer list has is accepted and one neither has is refused", () => {
    // A botocore that lists one training instance type: the overlay gives the SDK's whole list.
    const older = { ...sagemaker, shapes: { ...sagemaker.shapes, TrainingInstanceType: { type: 'string' as const, enum: ['ml.m5.large'] } } };
    expect(new Set(withSdkEnums('sagemaker', older).shapes.TrainingInstanceType.enum)).toEqual(new Set(Object.values(TrainingInstanceType)));
    expect(Object.values(TrainingInstanceType)).toContain('ml.m8i.large');
    expect(messages(trainingJob({ ResourceConfig: { InstanceType: 'ml.m8i.large', InstanceCount: 1, VolumeSizeInGB: 5 } }))).toEqual([]);
    expect(() => makeConfig({ training: { instanceType: 'ml.m8i.large' } })).not.toThrow();
    expect(messages(trainingJob({ ResourceConfig: { InstanceType: 'ml.m5.huge', InstanceCount: 1, VolumeSizeInGB: 5 } }))).toHaveLength(1);
  });

  test('GIVEN two problems THEN the message counts them as AWS does', () => {
    const { name, message } = describeProblems(requestProblems(sagemaker, 'CreateTrainingJob', trainingJob({ TrainingJobName: '', RoleArn: undefined })));
    expect(name).toBe('ValidationException');
    expect(message).toMatch(/^3 validation errors detected: /);
  });

  test('GIVEN a string where the model has an integer THEN it is a SerializationException, not a validation error', () => {
    const problems = requestProblems(
      sagemaker,
      'CreateTrainingJob',
      trainingJob({ ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: '1', VolumeSizeInGB: 5 } }),
    );
    expect(describeProblems(problems)).toEqual({ name: 'SerializationException', message: expect.stringContaining("at 'resourceConfig.instanceCount'") });
  });

  test("GIVEN the models' patterns THEN they match whole values (AWS's full match), and every pattern of the APIs the project calls compiles", () => {
    expect(modelPattern('[a-z]+')!.test('abc-')).toBe(false);
    // Java's quantified end anchor means one anchor.
    expect(modelPattern('([a-z]*)${1,128}')!.test('key')).toBe(true);
    const calls: [string, string][] = [
      ['sagemaker', 'CreateTrainingJob'],
      ['sagemaker', 'CreateModelPackage'],
      ['sagemaker', 'CreateModel'],
      ['sagemaker', 'CreateEndpointConfig'],
      ['sagemaker', 'CreateEndpoint'],
      ['sagemaker', 'UpdateEndpoint'],
      ['sagemaker', 'DescribeEndpoint'],
      ['sagemaker', 'DescribeModelPackage'],
      ['sagemaker', 'ListModelPackages'],
      ['sagemaker', 'DescribeTrainingJob'],
      ['ssm', 'PutParameter'],
      ['ssm', 'GetParameter'],
      ['sns', 'Publish'],
      ['stepfunctions', 'StartExecution'],
      ['stepfunctions', 'ListExecutions'],
      ['stepfunctions', 'DescribeExecution'],
      ['stepfunctions', 'GetExecutionHistory'],
      ['sagemaker', 'StopTrainingJob'],
      ['cloudwatch', 'PutMetricData'],
    ];
    const uncompiled: string[] = [];
    for (const [service, operation] of calls) {
      const model = models.model(service);
      const seen = new Set<string>();
      const visit = (shapeName: string) => {
        if (seen.has(shapeName)) return;
        seen.add(shapeName);
        const shape = model.shapes[shapeName];
        if (shape.pattern && !modelPattern(shape.pattern)) uncompiled.push(`${service} ${shapeName}: ${shape.pattern}`);
        for (const ref of [...Object.values(shape.members ?? {}), shape.member, shape.key, shape.value]) if (ref) visit(ref.shape);
      };
      visit(model.operations[operation].input!.shape);
    }
    expect(uncompiled).toEqual([]);
  });
});

describe('Task states against the models', () => {
  const definition = (parameters: Record<string, unknown>, resource = 'arn:aws:states:::sagemaker:createTrainingJob.sync'): AslDefinition =>
    ({ StartAt: 'Train', States: { Train: { Type: 'Task', Resource: resource, Parameters: parameters, End: true } } }) as unknown as AslDefinition;

  test('GIVEN Task resources THEN each names its API call, and an unknown integration is refused by name', () => {
    expect(taskOperation('arn:aws:states:::sagemaker:createTrainingJob.sync')).toEqual({ service: 'sagemaker', operation: 'CreateTrainingJob' });
    expect(taskOperation('arn:aws:states:::aws-sdk:ssm:putParameter')).toEqual({ service: 'ssm', operation: 'PutParameter' });
    expect(taskOperation('arn:aws:lambda:us-east-1:000000000000:function:f')).toBeUndefined();
    expect(() => taskOperation('arn:aws:states:::glue:startJobRun.sync')).toThrow(
      'no service model mapping for the integration arn:aws:states:::glue:startJobRun.sync',
    );
  });

  test('GIVEN Parameters with a field the API lacks (static or dynamic, nested) THEN Step Functions would refuse the definition, naming the field and path', () => {
    const problems = definitionProblems(
      definition({ ...trainingJob(), 'TrainingJobNmae.$': '$.name', ResourceConfig: { InstanceTyp: 'ml.m5.large' } }),
      models,
    );
    expect(problems).toEqual([
      'SCHEMA_VALIDATION_FAILED: The field "InstanceTyp" is not supported by Step Functions at /States/Train/Parameters/ResourceConfig',
      'SCHEMA_VALIDATION_FAILED: The field "TrainingJobNmae" is not supported by Step Functions at /States/Train/Parameters',
    ]);
    expect(definitionProblems(definition(trainingJob()), models)).toEqual([]);
  });

  test('GIVEN a rendered request that breaks the model THEN the state fails with the service-prefixed error before the service is called', async () => {
    const calls: unknown[] = [];
    const handlers = validatedTaskHandlers({ Train: async (input) => calls.push(input) }, definition(trainingJob()), models);
    await expect(handlers.Train(trainingJob({ TrainingJobName: 'a'.repeat(64) }))).rejects.toMatchObject({
      name: 'SageMaker.ValidationException',
      message: expect.stringMatching(
        /^2 validation errors detected: Value 'a{64}' at 'trainingJobName' failed to satisfy constraint: Member must have length less than or equal to 63; /,
      ),
    });
    expect(calls).toHaveLength(0);
    await handlers.Train(trainingJob());
    expect(calls).toHaveLength(1);
  });

  test('GIVEN sns:publish with a JSON Message THEN it is sent serialized (as Step Functions does) and a Subject that is not text is refused', async () => {
    const publish = definition({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', 'Message.$': '$' }, 'arn:aws:states:::sns:publish');
    const handlers = validatedTaskHandlers({ Train: async () => 'sent' }, publish, models);
    await expect(handlers.Train({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', Message: { a: 1 } })).resolves.toBe('sent');
    await expect(handlers.Train({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', Message: 'm', Subject: 1 })).rejects.toMatchObject({
      name: 'SNS.SerializationException',
    });
  });
});

describe('the local JSON services against the models, through an unmodified SDK client', () => {
  let server: RunningServer;
  let ssm: SSMClient;
  beforeAll(async () => {
    server = await new LocalParameterStore().start(0, jsonServiceValidator(models));
    ssm = new SSMClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
  });
  afterAll(async () => {
    ssm.destroy();
    await server.close();
  });

  test('GIVEN a parameter type SSM does not have THEN the SDK receives a ValidationException in AWS words, and a valid put is served (the control)', async () => {
    await expect(ssm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Type: 'Strnig' as never }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining(
        "Value 'Strnig' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [String, StringList, SecureString]",
      ),
    });
    await ssm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Type: 'String' }));
    expect((await ssm.send(new GetParameterCommand({ Name: '/p' }))).Parameter?.Value).toBe('v');
  });
});

describe('the synthesized state machines against the models', () => {
  const serverless = { type: 'serverless', instanceType: undefined, instanceCount: undefined, memorySizeMb: 2048, maxConcurrency: 5 };
  test.each<[string, MlopsConfig]>([
    ['instances, auto approval', makeConfig()],
    ['serverless, manual approval', makeConfig({ deployment: { compute: serverless, strategy: 'all-at-once', approval: 'manual' } })],
  ])('GIVEN the %s config THEN Step Functions would accept every Task state (each field a member of its API)', (_what, config) => {
    const template = synthMlopsStack(config).template.toJSON() as CfnTemplate;
    const definition = renderStateMachine(template, { region: 'us-east-1', physicalNames: {} });
    expect(taskStates(definition).length).toBeGreaterThan(10);
    expect(definitionProblems(definition, models)).toEqual([]);
  });
});
