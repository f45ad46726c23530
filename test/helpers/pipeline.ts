import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CreateTrainingJobCommandInput } from '@aws-sdk/client-sagemaker';
import { manifestKey } from '../../lambdas/contracts/layout';
import { buildManifest } from '../../lambdas/core/snapshot';
import type { MlopsConfig } from '../../lib/config';
import { LocalNotifier } from '../../lib/local/services/sns';
import { startLocalS3, type LocalS3 } from '../../lib/local/services/s3';
import { LocalSageMaker, type Trainer } from '../../lib/local/services/sagemaker/sagemaker';
import { startSageMakerServer } from '../../lib/local/services/sagemaker/api-server';
import { LocalParameterStore } from '../../lib/local/services/ssm';
import { authorizedTaskHandlers } from '../../lib/local/iam/authorized-tasks';
import { authorizedTrainer, bucketKeysOf } from '../../lib/local/iam/authorized-training';
import { authorizedServing } from '../../lib/local/iam/authorized-serving';
import { runAsRole } from '../../lib/local/iam/caller-context';
import { LocalIam } from '../../lib/local/iam/local-iam';
import { callerValue, jsonServiceAuthorizer, s3Authorizer } from '../../lib/local/iam/service-authorizers';
import { pipelineTaskHandlers } from '../../lib/local/runtime/pipeline-tasks';
import { allChecks, jsonServiceValidator, requiredServiceModels } from '../../lib/local/aws-models/service-requests';
import { validatedTaskHandlers } from '../../lib/local/aws-models/task-requests';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate } from '../../lib/local/template/cfn-template';
import { distributedMapIo } from '../../lib/local/iam/distributed-map-io';
import { renderStateMachine, runStateMachine, type AslDefinition } from '../../lib/local/services/stepfunctions/state-machine-runner';
import { synthMlopsStack } from './app';

export const SAMPLE = readFileSync(path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv'), 'utf8');
const REGION = 'us-east-1';

/**
 * A training double for pipeline tests: it checks that the channels it is given hold data in the
 * local S3 and reports the next scripted validation AUC (or fails when the script says so).
 */
export function scriptedTrainer(s3: () => S3Client, script: (number | Error)[]): Trainer & { requests: CreateTrainingJobCommandInput[] } {
  const requests: CreateTrainingJobCommandInput[] = [];
  const trainer = async (request: CreateTrainingJobCommandInput) => {
    requests.push(request);
    for (const channel of request.InputDataConfig ?? []) {
      const uri = new URL(`${channel.DataSource!.S3DataSource!.S3Uri!}part-00000.csv`);
      const object = await s3().send(new GetObjectCommand({ Bucket: uri.host, Key: uri.pathname.slice(1) }));
      if ((await object.Body!.transformToString()).length === 0) throw new Error(`channel ${channel.ChannelName} is empty`);
    }
    const next = script.shift();
    if (next === undefined) throw new Error('the scripted trainer ran out of results');
    if (next instanceof Error) throw next;
    return {
      metrics: [
        { MetricName: 'train:auc', Value: Math.min(1, next + 0.05) },
        { MetricName: 'validation:auc', Value: next },
      ],
    };
  };
  return Object.assign(trainer, { requests });
}

/** The synthesized retraining state machine and every local service it talks to. */
export class PipelineHarness {
  readonly notifier = new LocalNotifier();
  parameters!: LocalParameterStore;
  sagemaker!: LocalSageMaker;
  s3!: S3Client;
  definition!: AslDefinition;
  dataBucket!: string;
  deployedModelParameter!: string;
  private localS3!: LocalS3;
  private closeSageMaker!: () => Promise<void>;
  private closeSsm!: () => Promise<void>;
  private handlers!: Record<string, (input: unknown) => Promise<unknown>>;
  iam!: LocalIam;
  private cfnTemplate!: CfnTemplate;
  /** The state machine's ARN as the template's policies name it (its Ref, rendered locally). */
  stateMachineArn!: string;

  constructor(
    private readonly config: MlopsConfig,
    private readonly trainer: (harness: PipelineHarness) => Trainer,
    private readonly serving?: (harness: PipelineHarness) => ConstructorParameters<typeof LocalSageMaker>[0]['onEndpointServing'],
  ) {}

  async start(): Promise<void> {
    const { stack, template } = synthMlopsStack(this.config);
    this.dataBucket = 'data';
    const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
    const render = {
      region: REGION,
      physicalNames: {
        [id(stack.dataLake.dataBucket)]: this.dataBucket,
        [id(stack.dataLake.modelsBucket)]: 'models',
        [id(stack.dataLake.captureBucket)]: 'capture',
      },
    };
    const cfnTemplate = template.toJSON() as CfnTemplate;
    this.cfnTemplate = cfnTemplate;
    this.definition = renderStateMachine(cfnTemplate, render);
    this.stateMachineArn = resolveIntrinsics(cfnTemplate, { Ref: resourcesOfType(cfnTemplate, 'AWS::StepFunctions::StateMachine')[0] }, render) as string;
    // A handler invoked as its function: its requests carry the function's role.
    const asFunction =
      (fn: { role: { node: { defaultChild?: unknown } }; function: { node: { defaultChild?: unknown } } }, handler: (event: never) => Promise<unknown>) =>
      (event: unknown) =>
        runAsRole(callerValue(id(fn.role), id(fn.function)), () => handler(event as never));
    this.deployedModelParameter = `/${stack.stackName}/${this.config.deployment.endpointName}/deployed-model`;
    // Every call of the state machine, the training job's under its execution role and the Lambda
    // handlers' under their functions' roles, evaluated against the template's policies, as on AWS.
    this.iam = new LocalIam(cfnTemplate, render);
    const bucketKeys = bucketKeysOf(cfnTemplate, render);
    this.localS3 = await startLocalS3({ buckets: [this.dataBucket, 'models', 'capture'], authorize: s3Authorizer(this.iam, bucketKeys) });
    Object.assign(process.env, this.localS3.clientEnv);
    this.s3 = new S3Client({});
    const trainer = authorizedTrainer(this.trainer(this), { iam: this.iam, s3: this.s3, bucketKeys });
    const onEndpointServing = authorizedServing(this.serving?.(this), { iam: this.iam, region: REGION, bucketKeys });
    this.sagemaker = new LocalSageMaker({ region: REGION, trainer, onEndpointServing });
    // Every request checked against AWS's model of its API, then against the template's IAM.
    const models = requiredServiceModels();
    const server = await startSageMakerServer(this.sagemaker, 0, allChecks(jsonServiceValidator(models), jsonServiceAuthorizer(this.iam, REGION)), {
      credentials: this.localS3.credentials,
      region: REGION,
    });
    this.closeSageMaker = server.close;
    process.env.AWS_ENDPOINT_URL_SAGEMAKER = server.endpoint;
    // The parameters the template creates (the deployed-model pointer starts as "nothing deployed"),
    // served to the handlers (the gate reads what serves) under the same checks.
    this.parameters = LocalParameterStore.fromTemplate(cfnTemplate, render);
    const ssmServer = await this.parameters.start(0, allChecks(jsonServiceValidator(models), jsonServiceAuthorizer(this.iam, REGION)), {
      credentials: this.localS3.credentials,
      region: REGION,
    });
    this.closeSsm = ssmServer.close;
    process.env.AWS_ENDPOINT_URL_SSM = ssmServer.endpoint;
    process.env.DEPLOYED_MODEL_PARAMETER = this.deployedModelParameter;
    this.handlers = validatedTaskHandlers(
      authorizedTaskHandlers(
        pipelineTaskHandlers({
          sagemaker: this.sagemaker,
          notifier: this.notifier,
          parameters: this.parameters,
          featureProcessing: asFunction(stack.pipeline.featureProcessing, (await import('../../lambdas/feature-processing/handler')).handler),
          featureShards: asFunction(stack.pipeline.featureShards, (await import('../../lambdas/feature-shards/handler')).handler),
          evaluation: asFunction(stack.pipeline.evaluation, (await import('../../lambdas/evaluation/handler')).handler),
        }),
        { template: cfnTemplate, render, definition: this.definition, iam: this.iam },
      ),
      this.definition,
      models,
    );
  }

  async stop(): Promise<void> {
    this.s3.destroy();
    await this.closeSageMaker();
    await this.closeSsm();
    await this.localS3.close();
  }

  /** Uploads files and returns the execution input the trigger would start the run with. */
  async snapshot(files: Record<string, string>): Promise<{ runId: string; manifest: Record<string, unknown> }> {
    const objects = [];
    for (const [key, body] of Object.entries(files)) {
      await this.s3.send(new PutObjectCommand({ Bucket: this.dataBucket, Key: key, Body: body }));
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.dataBucket, Key: key }));
      objects.push({ key, versionId: head.VersionId ?? null, etag: head.ETag!, size: head.ContentLength! });
    }
    const manifest = buildManifest(this.dataBucket, 'raw/', objects);
    await this.s3.send(new PutObjectCommand({ Bucket: this.dataBucket, Key: manifestKey(manifest.runId), Body: JSON.stringify(manifest) }));
    return {
      runId: manifest.runId,
      manifest: {
        bucket: this.dataBucket,
        key: manifestKey(manifest.runId),
        hash: manifest.hash,
        objectCount: objects.length,
        bytes: objects.reduce((n, o) => n + o.size, 0),
      },
    };
  }

  async run(input: { runId: string }) {
    const before = this.notifier.notifications.length;
    const execution = await runStateMachine(this.definition, input, this.handlers, {
      executionName: input.runId,
      stateMachineArn: this.stateMachineArn,
      distributedMap: distributedMapIo({ s3: this.s3, iam: this.iam, template: this.cfnTemplate, stateMachineArn: this.stateMachineArn }),
    });
    const notifications = this.notifier.notifications
      .slice(before)
      .map((n) => ({ subject: n.subject, message: JSON.parse(n.message) as Record<string, unknown> }));
    return { execution, notifications };
  }

  endpoint(name = this.config.deployment.endpointName) {
    return this.sagemaker.endpoints.get(name);
  }

  deployedModel(): Record<string, unknown> | undefined {
    const parameter = this.parameters.parameters.get(this.deployedModelParameter);
    return parameter ? (JSON.parse(parameter.value) as Record<string, unknown>) : undefined;
  }
}

/** Starts the harness before the file's tests and stops it after (handler logs silenced). */
export function useHarness(harness: PipelineHarness): PipelineHarness {
  beforeAll(async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await harness.start();
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await harness.stop();
  });
  return harness;
}
