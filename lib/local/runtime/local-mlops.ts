import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { SQSEvent } from 'aws-lambda';
import type { DriftCheckResult } from '../../../lambdas/drift-check/handler';
import { readTextAt } from '../../../lambdas/shared/s3';
import { LOCAL_ACCOUNT, resolveIntrinsics, resourcesOfType, type CfnTemplate, type RenderOptions } from '../template/cfn-template';
import { serveOnLocalEndpoints } from '../services/sagemaker/endpoint-serving';
import { alarmStateChangeEvent, LocalEventBus, s3ObjectCreatedEvent } from '../services/eventbridge';
import { alarmsOf, LocalCloudWatch, type AlarmTransition } from '../services/cloudwatch';
import { LocalEndpoints } from '../services/sagemaker/endpoint';
import { PipelineStates } from '../../../lambdas/contracts/states';
import type { MlopsConfig } from '../../config';
import { LocalNotifier, snsQueryService, type Notification } from '../services/sns';
import { startQueryServer } from '../services/query-server';
import { LocalQueue } from '../services/sqs';
import { LOCAL_REGION, startLocalS3, type LocalS3 } from '../services/s3';
import { newLocalCredentials, type LocalCredentials } from '../auth/sigv4';
import { LocalSageMaker, type EndpointServing, type Trainer } from '../services/sagemaker/sagemaker';
import { startSageMakerServer } from '../services/sagemaker/api-server';
import { LocalParameterStore } from '../services/ssm';
import { LocalStepFunctions, type ExecutionRecord } from '../services/stepfunctions/step-functions';
import type { RunningServer } from '../services/json-rpc-server';
import { pipelineTaskHandlers, pipelineTaskStops } from './pipeline-tasks';
import { renderStateMachine, type TaskHandler } from '../services/stepfunctions/state-machine-runner';
import { eventRulesOf, functionsOf, queueSourcesOf, topicsOf, type FunctionWiring } from '../template/template-wiring';
import { localXgboostTrainer } from '../trainer/sagemaker-trainer';
import { authorizedTaskHandlers, authorizedTaskStops } from '../iam/authorized-tasks';
import { distributedMapIo } from '../iam/distributed-map-io';
import { withFunctionTimeout } from './function-timeout';
import { LambdaWorkerPool } from './lambda-workers';
import { s3RequestProblems } from '../aws-models/s3-requests';
import { authorizedTrainer, bucketKeysOf } from '../iam/authorized-training';
import { authorizedServing } from '../iam/authorized-serving';
import { LocalIam } from '../iam/local-iam';
import { runAsRole } from '../iam/caller-context';
import { callerValue, jsonServiceAuthorizer, s3Authorizer } from '../iam/service-authorizers';
import { localServiceModels, MODELS_HINT, type ServiceModels } from '../aws-models/service-models';
import { allChecks, jsonServiceValidator } from '../aws-models/service-requests';
import { validatedTaskHandlers } from '../aws-models/task-requests';
import { CONTROL_PLANE_FILE, ControlPlaneStore } from '../state/control-plane-store';
import { failLostRuns } from './lost-runs';
import { runOutcome, runReport, type RunReport } from './run-report';

/** Functions whose invocations run in worker threads (the Distributed Map's children: CPU-bound, in parallel). */
const IN_WORKERS = new Set(['feature-shards']);

export interface LocalMlopsOptions {
  /** The synthesized stack template. */
  readonly template: CfnTemplate;
  /** Worker threads for the Distributed Map children's function (feature-shards). @default os.availableParallelism() */
  readonly lambdaWorkers?: number;
  /** Holds the local S3 data, notifications.jsonl and anything else the run writes. */
  readonly directory: string;
  /** @default 0 (free ports) */
  readonly ports?: { readonly s3?: number; readonly endpoint?: number; readonly services?: number };
  /**
   * Factor applied to the template's queue timings (debounce window, visibility timeout), so that
   * a 60 s debounce takes 0.6 s locally. @default 0.01
   */
  readonly timeScale?: number;
  /** @default the local XGBoost-compatible trainer reading the channels from the local S3 */
  readonly trainer?: (s3: S3Client) => Trainer;
  readonly onNotification?: (n: Notification) => void;
  readonly onStateEntered?: (execution: ExecutionRecord, state: string) => void;
  readonly onExecutionEnded?: (execution: ExecutionRecord) => void;
  readonly onTrainingRound?: (job: string, round: number, validation: number) => void;
  /** Errors of background work (queue deliveries) that no caller awaits. */
  readonly onBackgroundError?: (err: Error) => void;
  /**
   * Evaluate against the template's policies (identity and resource) every call the state machine
   * makes under its role, a training job's reads, writes and image pull under its execution role,
   * and each handler's calls under its function's role, refusing them with AccessDenied as AWS would.
   * @default true
   */
  readonly enforceIam?: boolean;
  /**
   * AWS's service models the requests of the state machine and the handlers are checked against
   * (members, required, types, enums, lengths, ranges, patterns); null checks none.
   * @default the models of the botocore on this machine, when there is one
   */
  readonly serviceModels?: ServiceModels | null;
}

/** A bucket's local name: its logical id without the hash, in kebab case ("DataLakeDataBucket4C86F66D" → "data-lake-data-bucket"). */
export function localBucketName(logicalId: string): string {
  return logicalId
    .replace(/[0-9A-F]{8}$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .slice(0, 63);
}

type Handler = (event: unknown) => Promise<unknown>;

/** Whether this process already hosted an environment (see the class comment). */
let started = false;

/**
 * The whole synthesized stack on one machine: every bucket on a local S3, the state machine on
 * the local Step Functions, the handlers from lambdas/ with their template environment, the
 * EventBridge rules and the SQS event source evaluated locally, SageMaker, SSM, CloudWatch and
 * SNS stand-ins, and the local inference endpoint. Unmodified SDK clients reach the services
 * through AWS_ENDPOINT_URL_* variables, which is why a process runs one local environment.
 */
export class LocalMlops {
  readonly notifier: LocalNotifier;
  readonly endpoints = new LocalEndpoints();
  readonly render: RenderOptions;
  readonly functions: readonly FunctionWiring[];
  /** IAM evaluated from the template's policies. */
  readonly iam: LocalIam;
  /** The models requests are checked against, or undefined (`requestChecks` says why). */
  readonly serviceModels?: ServiceModels;
  sagemaker!: LocalSageMaker;
  parameters!: LocalParameterStore;
  cloudwatch!: LocalCloudWatch;
  stepFunctions!: LocalStepFunctions;
  bus!: LocalEventBus;
  s3!: S3Client;
  /** Queues by logical id. */
  readonly queues = new Map<string, LocalQueue>();
  /** Bucket local names by logical id. */
  readonly buckets: Readonly<Record<string, string>>;
  /** Environment that points SDK clients (and the `aws` CLI, for S3) at the local services. */
  readonly clientEnv: Record<string, string> = {};
  endpointUrl = '';
  /** The environment's key pair: every local service refuses a request not signed with it. */
  readonly credentials: LocalCredentials = newLocalCredentials();
  /** The control plane's durable state (control-plane.sqlite in the directory). */
  readonly store: ControlPlaneStore;
  /** What starting found unfinished from a previous process and did about it, one line each. */
  readonly recovered: string[] = [];
  private localS3?: LocalS3;
  private servers: RunningServer[] = [];
  private handlers = new Map<string, Handler>();
  private readonly workerPools: LambdaWorkerPool[] = [];
  private readonly stateMachineArn: string;
  private definition?: ReturnType<typeof renderStateMachine>;

  private constructor(private readonly options: LocalMlopsOptions) {
    const { template } = options;
    this.buckets = Object.fromEntries(resourcesOfType(template, 'AWS::S3::Bucket').map((id) => [id, localBucketName(id)]));
    this.render = { region: LOCAL_REGION, physicalNames: this.buckets };
    this.functions = functionsOf(template, this.render);
    this.iam = new LocalIam(template, this.render);
    this.serviceModels = (options.serviceModels === undefined ? localServiceModels() : options.serviceModels) ?? undefined;
    const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
    if (machines.length !== 1) throw new Error(`expected one state machine in the template, found ${machines.length}`);
    this.stateMachineArn = resolveIntrinsics(template, { Ref: machines[0] }, this.render) as string;
    mkdirSync(options.directory, { recursive: true });
    this.store = ControlPlaneStore.open(path.join(options.directory, CONTROL_PLANE_FILE));
    this.notifier = new LocalNotifier({ logFile: path.join(options.directory, 'notifications.jsonl'), print: options.onNotification });
  }

  static async start(options: LocalMlopsOptions): Promise<LocalMlops> {
    if (started) throw new Error("a local environment already ran in this process: the handlers' SDK clients keep its endpoints, so start another process");
    const local = new LocalMlops(options);
    try {
      await local.startServices();
    } catch (err) {
      await local.stop();
      throw err;
    }
    started = true;
    return local;
  }

  /**
   * The handlers' ephemeral storage (Lambda's /tmp): `tmp/` in the state directory, so feature
   * processing's scratch data stays with the environment; what a killed process left there is
   * swept at start (each environment owns its directory: `mlops up` locks it).
   */
  private scratchDirectory(): string {
    const scratch = path.join(this.options.directory, 'tmp');
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    return scratch;
  }

  /** Every function's template environment, merged: one process hosts all handlers (see the class comment). */
  private handlerEnvironment(): Record<string, string> {
    const merged: Record<string, string> = {};
    for (const fn of this.functions) {
      for (const [name, value] of Object.entries(fn.environment)) {
        if (merged[name] !== undefined && merged[name] !== value) {
          throw new Error(`functions disagree on environment variable ${name} ("${merged[name]}" vs "${value}"): they cannot share one local process`);
        }
        merged[name] = value;
      }
    }
    return merged;
  }

  private async startServices(): Promise<void> {
    const { template, ports = {} } = this.options;
    this.localS3 = await startLocalS3({
      credentials: this.credentials,
      buckets: Object.values(this.buckets),
      versionedBuckets: Object.entries(this.buckets)
        .filter(([id]) => (template.Resources[id].Properties?.VersioningConfiguration as { Status?: string } | undefined)?.Status === 'Enabled')
        .map(([, name]) => name),
      directory: path.join(this.options.directory, 's3'),
      port: ports.s3,
      onObjectCreated: (record) => this.bus.put(s3ObjectCreatedEvent(record)),
      authorize: this.enforcing ? s3Authorizer(this.iam, bucketKeysOf(template, this.render)) : undefined,
      requestProblems: this.serviceModels && ((request) => s3RequestProblems(this.serviceModels!.model('s3'), request)),
    });
    Object.assign(this.clientEnv, this.localS3.clientEnv);
    Object.assign(process.env, this.clientEnv);
    this.s3 = new S3Client({});

    this.parameters = LocalParameterStore.fromTemplate(template, this.render, this.store);
    this.cloudwatch = new LocalCloudWatch(alarmsOf(template, this.render), this.store);
    this.sagemaker = new LocalSageMaker({
      store: this.store,
      region: LOCAL_REGION,
      trainer: this.trainerOf((this.options.trainer ?? ((s3) => localXgboostTrainer(s3, (job, round, v) => this.trainingRound(job, round, v))))(this.s3)),
      onEndpointServing: this.servingOf(serveOnLocalEndpoints(this.endpoints, this.s3)),
    });
    this.endpointUrl = await this.endpoints.start(ports.endpoint, { credentials: this.credentials, region: LOCAL_REGION });
    this.clientEnv.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = this.endpointUrl;

    const definition = renderStateMachine(template, this.render);
    this.definition = definition;
    // Filled once the handlers are loaded with their environment (which needs the servers' endpoints).
    const taskHandlers: Record<string, TaskHandler> = {};
    const taskStops: Record<string, TaskHandler> = {};
    this.stepFunctions = new LocalStepFunctions({
      store: this.store,
      roleArn: this.stateMachineRoleArn(),
      stateMachineArn: this.stateMachineArn,
      definition,
      handlers: taskHandlers,
      taskStops,
      distributedMap: () => distributedMapIo({ s3: this.s3, iam: this.iam, template, stateMachineArn: this.stateMachineArn }),
      onTaskStopFailed: (execution, state, err) =>
        this.options.onBackgroundError?.(new Error(`stopping ${execution.name}: ${state} could not stop what it started: ${err.name}: ${err.message}`)),
      onStateEntered: this.options.onStateEntered,
      onExecutionEnded: (execution) => {
        this.putServiceMetric(
          'AWS/States',
          { SUCCEEDED: 'ExecutionsSucceeded', ABORTED: 'ExecutionsAborted' }[execution.status as string] ?? 'ExecutionsFailed',
          'StateMachineArn',
          this.stateMachineArn,
          1,
        );
        this.options.onExecutionEnded?.(execution);
      },
    });
    // The handlers' calls to these services are evaluated under their functions' roles.
    // and every request is checked against its API's model first.
    const topics = topicsOf(template, this.render);
    const authorize = allChecks(
      this.serviceModels && jsonServiceValidator(this.serviceModels),
      this.enforcing ? jsonServiceAuthorizer(this.iam, LOCAL_REGION, topics) : undefined,
    );
    const signed = { credentials: this.credentials, region: LOCAL_REGION };
    const services: [string, Promise<RunningServer>][] = [
      ['AWS_ENDPOINT_URL_SFN', this.stepFunctions.start(0, authorize, signed)],
      ['AWS_ENDPOINT_URL_SSM', this.parameters.start(0, authorize, signed)],
      ['AWS_ENDPOINT_URL_SAGEMAKER', startSageMakerServer(this.sagemaker, 0, authorize, signed)],
      ['AWS_ENDPOINT_URL_CLOUDWATCH', this.cloudwatch.start(0, authorize, signed)],
      ['AWS_ENDPOINT_URL_SNS', startQueryServer(snsQueryService(this.notifier, new Set(topics.keys())), 0, authorize, signed)],
    ];
    for (const [variable, server] of services) {
      const running = await server;
      this.servers.push(running);
      this.clientEnv[variable] = running.endpoint;
    }
    Object.assign(process.env, this.clientEnv, this.handlerEnvironment(), { TMPDIR: this.scratchDirectory() });

    // The handlers' SDK clients are created when their modules load: after the environment is set.
    for (const fn of this.functions) {
      if (IN_WORKERS.has(fn.handlerName)) {
        // The Distributed Map's children run in parallel, each invocation in a worker thread of its own.
        const pool = new LambdaWorkerPool({
          handlerName: fn.handlerName,
          size: this.options.lambdaWorkers ?? availableParallelism(),
          // This process's environment as set above: the endpoints, credentials and the functions' variables.
          environment: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
          role: callerValue(fn.roleLogicalId, this.functionName(fn)),
          timeout: { functionName: this.functionName(fn), seconds: fn.timeoutSeconds },
        });
        this.workerPools.push(pool);
        this.handlers.set(
          fn.handlerName,
          this.asLambda(fn, (event) => pool.invoke(event), { timedByPool: true }),
        );
        continue;
      }
      const module = (await import(path.join(__dirname, '..', '..', '..', 'lambdas', fn.handlerName, 'handler'))) as { handler: Handler };
      this.handlers.set(fn.handlerName, this.asLambda(fn, module.handler));
    }
    const handlers = pipelineTaskHandlers({
      sagemaker: this.sagemaker,
      notifier: this.notifier,
      parameters: this.parameters,
      featureProcessing: this.handler('feature-processing'),
      featureShards: this.handler('feature-shards'),
      evaluation: this.handler('evaluation'),
    });
    const authorized = !this.enforcing ? handlers : authorizedTaskHandlers(handlers, { template, render: this.render, definition, iam: this.iam });
    Object.assign(taskHandlers, this.serviceModels ? validatedTaskHandlers(authorized, definition, this.serviceModels) : authorized);
    const stops = pipelineTaskStops({ sagemaker: this.sagemaker });
    Object.assign(taskStops, !this.enforcing ? stops : authorizedTaskStops(stops, { template, render: this.render, definition, iam: this.iam }));
    // Before the queues deliver again: the trigger must not see a lost run as still running.
    await this.recoverAfterRestart(definition, taskHandlers);

    for (const source of queueSourcesOf(template)) {
      const fn = this.functions.find((f) => f.logicalId === source.functionLogicalId);
      if (!fn) throw new Error(`queue ${source.queueLogicalId} feeds function ${source.functionLogicalId}, which has no handler source`);
      const scale = this.options.timeScale ?? 0.01;
      const consumer = this.handler(fn.handlerName);
      this.queues.set(
        source.queueLogicalId,
        new LocalQueue({
          queueArn: resolveIntrinsics(template, { 'Fn::GetAtt': [source.queueLogicalId, 'Arn'] }, this.render) as string,
          batchSize: source.batchSize,
          batchingWindowMs: source.batchingWindowSeconds * 1000 * scale,
          visibilityTimeoutMs: source.visibilityTimeoutSeconds * 1000 * scale,
          maxReceiveCount: source.maxReceiveCount,
          reportsBatchItemFailures: source.reportsBatchItemFailures,
          consumer: (event: SQSEvent) => consumer(event) as never,
          onError: this.options.onBackgroundError,
          store: this.store,
        }),
      );
    }
    this.bus = new LocalEventBus(eventRulesOf(template, this.render), (target, event) => {
      const queue = this.queues.get(target);
      if (!queue) throw new Error(`a rule targets ${target}, which the local runtime cannot deliver to (only queues feeding handlers)`);
      queue.send(JSON.stringify(event));
    });
    for (const [id, queue] of this.queues) if (queue.depth > 0) this.recovered.push(`queue ${id}: ${queue.depth} message(s) kept, delivered again`);
  }

  /**
   * A previous process on this directory stopped or died with work unfinished: the endpoints serve
   * again what they served, and runs left running fail and are notified (queued messages are
   * delivered again by the queues themselves, once their visibility timeout has passed).
   */
  private async recoverAfterRestart(definition: ReturnType<typeof renderStateMachine>, handlers: Record<string, TaskHandler>): Promise<void> {
    this.recovered.push(...(await this.sagemaker.recoverAfterRestart()));
    const lost = await failLostRuns(this.stepFunctions, { definition, handlers, stateMachineArn: this.stateMachineArn });
    for (const e of lost) this.recovered.push(`run ${e.name}: FAILED (${e.result?.cause})`);
  }

  private stateMachineRoleArn(): string {
    const [id] = resourcesOfType(this.options.template, 'AWS::StepFunctions::StateMachine');
    return resolveIntrinsics(this.options.template, this.options.template.Resources[id].Properties?.RoleArn, this.render) as string;
  }

  /** One line saying whether requests are checked against AWS's service models, and with which. */
  get requestChecks(): string {
    if (this.serviceModels) return `requests checked against AWS's service models in ${this.serviceModels.directory}`;
    return this.options.serviceModels === null
      ? 'requests not checked against service models (turned off)'
      : `requests NOT checked against AWS's service models: ${MODELS_HINT}`;
  }

  private get enforcing(): boolean {
    return this.options.enforceIam !== false;
  }

  /** The trainer, run under the job's execution role with IAM enforced (unless turned off). */
  private trainerOf(trainer: Trainer): Trainer {
    if (!this.enforcing) return trainer;
    return authorizedTrainer(trainer, { iam: this.iam, s3: this.s3, bucketKeys: bucketKeysOf(this.options.template, this.render) });
  }

  /** Endpoint models started under their execution roles with IAM enforced (unless turned off). */
  private servingOf(serving: EndpointServing): EndpointServing {
    if (!this.enforcing) return serving;
    return authorizedServing(serving, { iam: this.iam, region: LOCAL_REGION, bucketKeys: bucketKeysOf(this.options.template, this.render) });
  }

  /** The last round each training job reported (what `mlops status` shows of a job in progress). */
  private readonly trainingRounds = new Map<string, { round: number; validation: number }>();

  private trainingRound(job: string, round: number, validation: number): void {
    this.trainingRounds.set(job, { round, validation });
    this.options.onTrainingRound?.(job, round, validation);
  }

  /** A handler invoked as Lambda would: it reports Invocations and Errors to the local CloudWatch. */
  private functionName(fn: FunctionWiring): string {
    return resolveIntrinsics(this.options.template, { Ref: fn.logicalId }, this.render) as string;
  }

  private asLambda(fn: FunctionWiring, handler: Handler, options: { readonly timedByPool?: boolean } = {}): Handler {
    const functionName = this.functionName(fn);
    return async (event) => {
      this.putServiceMetric('AWS/Lambda', 'Invocations', 'FunctionName', functionName, 1);
      try {
        // Its requests to the local services carry its role, as its credentials would on AWS.
        const invocation = runAsRole(callerValue(fn.roleLogicalId, functionName), () => handler(event));
        if (options.timedByPool) return await invocation;
        return await withFunctionTimeout(Promise.resolve(invocation), { functionName, timeoutSeconds: fn.timeoutSeconds });
      } catch (err) {
        this.putServiceMetric('AWS/Lambda', 'Errors', 'FunctionName', functionName, 1);
        throw err;
      }
    };
  }

  private putServiceMetric(namespace: string, name: string, dimension: string, value: string, datum: number): void {
    this.cloudwatch.putMetricData({ Namespace: namespace, MetricData: [{ MetricName: name, Dimensions: [{ Name: dimension, Value: value }], Value: datum }] });
  }

  handler(handlerName: string): TaskHandler {
    const handler = this.handlers.get(handlerName);
    if (!handler) throw new Error(`the template has no function running lambdas/${handlerName}`);
    return handler;
  }

  /** A SageMaker Runtime client for the local endpoint (the caller destroys it). */
  runtimeClient(): SageMakerRuntimeClient {
    return new SageMakerRuntimeClient({ endpoint: this.endpointUrl, region: LOCAL_REGION, credentials: this.credentials });
  }

  async upload(key: string, body: string | Uint8Array): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.functionSetting('DATA_BUCKET'), Key: key, Body: body }));
  }

  /** Waits until every queued event was handled and every run it started has ended. */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.all([...this.queues.values()].map((q) => q.drained()));
      await this.stepFunctions.idle();
      const busy = [...this.queues.values()].some((q) => q.depth > 0) || this.stepFunctions.executions.some((e) => e.status === 'RUNNING');
      if (!busy) return;
    }
  }

  /**
   * Judges every alarm at the CloudWatch clock, and does what AWS does with a state change:
   * publishes it to the alarm's SNS actions and puts a "CloudWatch Alarm State Change" event on
   * the bus (where the retrain-on-drift rule may route it to the retraining queue).
   */
  evaluateAlarms(): AlarmTransition[] {
    const transitions = this.cloudwatch.evaluate();
    for (const t of transitions) {
      const actions = t.to === 'ALARM' ? t.alarm.actions : t.to === 'OK' ? t.alarm.okActions : [];
      const message = {
        AlarmName: t.alarm.alarmName,
        AlarmDescription: t.alarm.description,
        AWSAccountId: LOCAL_ACCOUNT,
        NewStateValue: t.to,
        NewStateReason: t.reason,
        StateChangeTime: t.time.toISOString(),
        Region: LOCAL_REGION,
        AlarmArn: t.alarm.alarmArn,
        OldStateValue: t.from,
        Trigger: {
          MetricName: t.alarm.metricName,
          Namespace: t.alarm.namespace,
          Statistic: t.alarm.statistic,
          Period: t.alarm.periodSeconds,
          EvaluationPeriods: t.alarm.evaluationPeriods,
          ComparisonOperator: t.alarm.comparison,
          Threshold: t.alarm.threshold,
        },
      };
      for (const topicArn of actions) this.notifier.publish(topicArn, JSON.stringify(message), `${t.to}: "${t.alarm.alarmName}" in ${LOCAL_REGION}`);
      this.bus.put(alarmStateChangeEvent(t));
    }
    return transitions;
  }

  /** The deployed-model pointer the pipeline publishes (what the drift check and predict use). */
  deployedModel(): { deployed?: boolean; modelPackageArn?: string; featureSpecUri?: string; baselineUri?: string } {
    const name = this.functionSetting('DEPLOYED_MODEL_PARAMETER');
    return JSON.parse(this.parameters.getParameter({ Name: name }).Parameter.Value) as ReturnType<LocalMlops['deployedModel']>;
  }

  /**
   * The data set's rules the pipeline validates training data with: the feature step's config in
   * the synthesized state machine (what `mlops predict` checks raw records against).
   */
  datasetRules(): MlopsConfig['dataset'] {
    const state = this.definition?.States[PipelineStates.PROCESS_FEATURES] as { Parameters?: { config?: { dataset?: MlopsConfig['dataset'] } } } | undefined;
    const dataset = state?.Parameters?.config?.dataset;
    if (!dataset) throw new Error(`the state machine's ${PipelineStates.PROCESS_FEATURES} state carries no data set config`);
    return dataset;
  }

  /** A setting the template gives the functions, e.g. DATA_BUCKET (the local bucket name). */
  functionSetting(variable: string): string {
    const value = this.functions.map((f) => f.environment[variable]).find((v) => v !== undefined);
    if (!value) throw new Error(`no function of the template has ${variable}`);
    return value;
  }

  /** The scheduled drift check, run now (or for the window ending at `windowEnd`), then the alarms judged. */
  async checkDrift(windowEnd?: Date, reportName?: string): Promise<{ result: DriftCheckResult; transitions: AlarmTransition[]; reportFile?: string }> {
    await this.endpoints.flushCapture();
    const result = (await this.handler('drift-check')(windowEnd ? { windowEnd: windowEnd.toISOString() } : {})) as DriftCheckResult;
    const transitions = this.evaluateAlarms();
    if (!result.htmlReportUri) return { result, transitions };
    // The HTML report beside the state, where a browser opens it (the bucket's copy is the one alarms name).
    const reports = path.join(this.options.directory, 'reports');
    mkdirSync(reports, { recursive: true });
    const reportFile = path.join(reports, `${reportName ?? `drift-${result.windowEnd.replace(/[:.]/g, '-')}`}.html`);
    writeFileSync(reportFile, await readTextAt(this.s3, result.htmlReportUri));
    return { result, transitions, reportFile };
  }

  /** What `mlops status` shows. */
  async status() {
    const endpointName = this.functionSetting('ENDPOINT_NAME');
    const endpoint = this.sagemaker.endpoints.get(endpointName);
    return {
      runs: this.stepFunctions.executions.map((e) => {
        // One history read per run (status is polled while a run trains).
        const last = this.stepFunctions.lastStateEntered(e.executionArn);
        return {
          name: e.name,
          executionArn: e.executionArn,
          status: e.status,
          state: e.status === 'RUNNING' ? last : undefined,
          outcome: runOutcome(e.status, last),
          started: e.startDate.toISOString(),
          stopped: e.stopDate?.toISOString(),
          error: e.result?.error,
        };
      }),
      training: [...this.sagemaker.trainingJobs.values()]
        .filter((job) => job.status === 'InProgress')
        .map((job) => ({ job: job.request.TrainingJobName!, ...this.trainingRounds.get(job.request.TrainingJobName!) })),
      models: this.sagemaker.modelPackages.map((p) => ({
        version: p.ModelPackageVersion,
        approval: p.ModelApprovalStatus,
        arn: p.ModelPackageArn,
        metrics: p.CustomerMetadataProperties,
      })),
      endpoint: endpoint ? { name: endpointName, status: endpoint.status, config: endpoint.configName } : { name: endpointName, status: 'not created' },
      deployedModel: this.deployedModel(),
      alarms: this.cloudwatch.alarms.map((a) => ({ name: a.alarmName, state: this.cloudwatch.state(a.alarmName) })),
      queues: [...this.queues.entries()].map(([id, q]) => ({ queue: id, waiting: q.depth, deadLettered: q.deadLetters.length })),
      notifications: this.notifier.notifications.length,
    };
  }

  /** What happened in a run (by execution name), from its execution history. */
  runReport(name: string): RunReport {
    const execution = this.stepFunctions.executions.find((e) => e.name === name);
    if (!execution) throw new Error(`no run "${name}" (runs: ${this.stepFunctions.executions.map((e) => e.name).join(', ') || 'none yet'})`);
    return runReport(execution.name, execution.status, this.store.history(execution.executionArn));
  }

  /**
   * Stops a running run as StopExecution does (ABORTED; a training job it started is stopped, as
   * Step Functions stops a `.sync` job) and returns its report; a run that has ended is left as it is.
   */
  async stopRun(name: string, cause = 'stopped with mlops stop'): Promise<RunReport> {
    const execution = this.stepFunctions.executions.find((e) => e.name === name);
    if (execution) await this.stepFunctions.stopExecution({ executionArn: execution.executionArn, error: 'Stopped', cause });
    // An unknown name: the report's error lists the runs there are.
    return this.runReport(name);
  }

  /** Every run's report, oldest first. */
  runReports(): RunReport[] {
    return this.stepFunctions.executions.map((e) => runReport(e.name, e.status, this.store.history(e.executionArn)));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.stop()));
    await this.stepFunctions?.idle();
    await this.endpoints.stop();
    this.s3?.destroy();
    await Promise.all(this.workerPools.map((pool) => pool.close()));
    await Promise.all(this.servers.map((s) => s.close()));
    await this.localS3?.close();
    // After every run ended: no handler writes scratch data any more.
    rmSync(path.join(this.options.directory, 'tmp'), { recursive: true, force: true });
    this.store.close();
  }
}
