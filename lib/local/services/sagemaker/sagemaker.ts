import { randomUUID } from 'node:crypto';
import type {
  CreateEndpointCommandInput,
  CreateEndpointConfigCommandInput,
  CreateModelCommandInput,
  CreateModelPackageCommandInput,
  CreateTrainingJobCommandInput,
  DescribeEndpointCommandOutput,
  DescribeModelPackageCommandOutput,
  DescribeTrainingJobCommandOutput,
  UpdateEndpointCommandInput,
} from '@aws-sdk/client-sagemaker';
import { z } from 'zod';
import { LOCAL_ACCOUNT } from '../../template/cfn-template';
import { ServiceError as SageMakerError } from '../json-rpc-server';
import { ControlPlaneStore } from '../../state/control-plane-store';

/**
 * The local stand-in for the SageMaker control plane: training jobs (run by a real trainer the
 * caller provides), the model registry, models, endpoint configs and endpoints with their
 * lifecycle. Requests are checked against the API's required shape (names, patterns, required
 * fields) and fail with SageMaker's error names, so a malformed request fails here as it would in AWS.
 */

/** A SageMaker API error, named as the service names it (ValidationException, ResourceNotFound, ...). */
export { SageMakerError };

/**
 * Trains a model for a CreateTrainingJob request: reads the channels, writes the artifact. The
 * signal aborts when the job is stopped (StopTrainingJob, MaxRuntimeInSeconds).
 */
export type Trainer = (request: CreateTrainingJobCommandInput, signal?: AbortSignal) => Promise<{ metrics: { MetricName: string; Value: number }[] }>;

const name63 = z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$');
const s3Uri = z.string().regex(/^(https|s3):\/\//, 'must be an s3:// URI');
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN');

const requestSchemas = {
  CreateTrainingJob: z.object({
    TrainingJobName: name63,
    RoleArn: roleArn,
    AlgorithmSpecification: z.object({ TrainingImage: z.string().min(1), TrainingInputMode: z.enum(['File', 'Pipe', 'FastFile']) }),
    HyperParameters: z.record(z.string(), z.string()).optional(),
    InputDataConfig: z
      .array(z.object({ ChannelName: z.string(), DataSource: z.object({ S3DataSource: z.object({ S3DataType: z.string(), S3Uri: s3Uri }) }) }))
      .min(1),
    OutputDataConfig: z.object({ S3OutputPath: s3Uri }),
    ResourceConfig: z.object({ InstanceType: z.string().regex(/^ml\./), InstanceCount: z.number().int().min(1), VolumeSizeInGB: z.number().int().min(1) }),
    StoppingCondition: z.object({ MaxRuntimeInSeconds: z.number().int().min(1) }),
  }),
  CreateModelPackage: z.object({
    ModelPackageGroupName: z.string().min(1),
    ModelApprovalStatus: z.enum(['Approved', 'Rejected', 'PendingManualApproval']),
    InferenceSpecification: z.object({
      Containers: z.array(z.object({ Image: z.string().min(1), ModelDataUrl: s3Uri })).min(1),
      SupportedContentTypes: z.array(z.string()).min(1),
      SupportedResponseMIMETypes: z.array(z.string()).min(1),
    }),
    CustomerMetadataProperties: z.record(z.string().max(128), z.string().max(1024)).optional(),
  }),
  CreateModel: z.object({ ModelName: name63, ExecutionRoleArn: roleArn, PrimaryContainer: z.object({ Image: z.string().min(1), ModelDataUrl: s3Uri }) }),
  CreateEndpointConfig: z.object({
    EndpointConfigName: name63,
    ProductionVariants: z.array(z.object({ VariantName: z.string().min(1), ModelName: name63 })).min(1),
    DataCaptureConfig: z
      .object({
        InitialSamplingPercentage: z.number().int().min(0).max(100),
        DestinationS3Uri: s3Uri,
        CaptureOptions: z.array(z.object({ CaptureMode: z.enum(['Input', 'Output', 'InputAndOutput']) })).min(1),
      })
      .optional(),
  }),
  CreateEndpoint: z.object({ EndpointName: name63, EndpointConfigName: name63 }),
  UpdateEndpoint: z.object({ EndpointName: name63, EndpointConfigName: name63 }),
};

function validate<K extends keyof typeof requestSchemas>(operation: K, input: unknown): void {
  const result = requestSchemas[operation].safeParse(input);
  if (!result.success) {
    throw new SageMakerError('ValidationException', `${operation}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
}

interface TrainingJob {
  request: CreateTrainingJobCommandInput;
  status: 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';
  /** SageMaker's finer status: MaxRuntimeExceeded or Stopped when stopped. */
  secondaryStatus?: string;
  stop?: AbortController;
  failureReason?: string;
  metrics: { MetricName: string; Value: number }[];
  created: Date;
}

interface Endpoint {
  name: string;
  status: 'Creating' | 'Updating' | 'InService' | 'Failed';
  configName: string;
  /** The config being rolled out while Updating/Creating. */
  pendingConfig?: string;
  pendingOutcome?: 'succeed' | 'rollback' | 'fail';
  pollsLeft: number;
  failureReason?: string;
}

/**
 * An endpoint's container could not start (e.g. its model's execution role cannot read the
 * artifact): the endpoint fails with this message as its FailureReason, as SageMaker reports it.
 */
export class ModelStartError extends Error {
  override readonly name = 'ModelStartError';
}

/** Called when an endpoint starts serving a config; throws ModelStartError when the model cannot start. */
export type EndpointServing = (endpointName: string, config: CreateEndpointConfigCommandInput, models: CreateModelCommandInput[]) => Promise<void> | void;

/** What the next endpoint update does; tests use it to exercise rollback and failure. */
export type UpdateOutcome = 'succeed' | 'rollback' | 'fail';

type ModelPackage = DescribeModelPackageCommandOutput & { ModelPackageArn: string };

/** The kinds of resource kept in the control-plane store. */
const TRAINING_JOB = 'training-job';
const MODEL = 'model';
const ENDPOINT_CONFIG = 'endpoint-config';
const ENDPOINT = 'endpoint';

export class LocalSageMaker {
  readonly trainingJobs: Map<string, TrainingJob>;
  readonly modelPackages: ModelPackage[];
  readonly models: Map<string, CreateModelCommandInput>;
  readonly endpointConfigs: Map<string, CreateEndpointConfigCommandInput>;
  readonly endpoints: Map<string, Endpoint>;
  private readonly store: ControlPlaneStore;
  /** Every call, in order, as `Operation` names (for tests and the status view). */
  readonly calls: string[] = [];
  private nextUpdateOutcome: UpdateOutcome = 'succeed';
  private throttles = new Map<string, number>();
  private staleReads = 0;
  private newestConfig?: string;

  constructor(
    private readonly options: {
      readonly region: string;
      readonly trainer: Trainer;
      /** DescribeEndpoint calls before a Creating/Updating endpoint settles. @default 1 */
      readonly settlePolls?: number;
      /** Called when an endpoint starts serving a config (the local endpoint server swaps models). */
      readonly onEndpointServing?: EndpointServing;
      /** Where the resources are kept. @default in memory */
      readonly store?: ControlPlaneStore;
    },
  ) {
    this.store = options.store ?? ControlPlaneStore.inMemory();
    const byName = <T>(kind: string, nameOf: (r: T) => string) => new Map(this.store.resources<T>(kind).map((r) => [nameOf(r), r]));
    this.trainingJobs = byName<TrainingJob>(TRAINING_JOB, (j) => j.request.TrainingJobName!);
    this.models = byName<CreateModelCommandInput>(MODEL, (m) => m.ModelName!);
    this.endpointConfigs = byName<CreateEndpointConfigCommandInput>(ENDPOINT_CONFIG, (c) => c.EndpointConfigName!);
    this.endpoints = byName<Endpoint>(ENDPOINT, (e) => e.name);
    this.modelPackages = this.store.modelPackages<ModelPackage>();
  }

  private saveJob(job: TrainingJob): void {
    // Its AbortController lives with this process only.
    this.store.saveResource(TRAINING_JOB, job.request.TrainingJobName!, { ...job, stop: undefined });
  }

  private saveEndpoint(endpoint: Endpoint): void {
    this.store.saveResource(ENDPOINT, endpoint.name, endpoint);
  }

  /**
   * What a previous process left unfinished (it stopped or died): a training job in progress
   * fails, as SageMaker fails a job whose instance is lost; an endpoint serves again the config it
   * served (one being created fails; one being updated stays on its old config, as a failed update
   * rolls back). Returns one line per resource it changed or restarted.
   */
  async recoverAfterRestart(): Promise<string[]> {
    const report: string[] = [];
    for (const job of this.trainingJobs.values()) {
      if (job.status !== 'InProgress' && job.status !== 'Stopping') continue;
      Object.assign(job, {
        status: 'Failed',
        failureReason: 'InternalServerError: the local environment stopped while this job ran (its process exited); its training was lost',
      });
      this.saveJob(job);
      report.push(`training job ${job.request.TrainingJobName}: Failed (the environment stopped while it ran)`);
    }
    for (const endpoint of this.endpoints.values()) {
      if (endpoint.status === 'Creating') {
        Object.assign(endpoint, {
          status: 'Failed',
          pendingConfig: undefined,
          failureReason: 'The local environment stopped while the endpoint was being created',
        });
        this.saveEndpoint(endpoint);
        report.push(`endpoint ${endpoint.name}: Failed (the environment stopped while it was being created)`);
        continue;
      }
      if (endpoint.status === 'Updating') {
        Object.assign(endpoint, {
          status: 'InService',
          pendingConfig: undefined,
          failureReason: `Update to ${endpoint.pendingConfig} stopped with the local environment: still on ${endpoint.configName}`,
        });
      }
      if (endpoint.status !== 'InService') continue;
      try {
        await this.serve(endpoint, endpoint.configName);
        report.push(`endpoint ${endpoint.name}: InService again with ${endpoint.configName}`);
      } catch (err) {
        if (!(err instanceof ModelStartError)) throw err;
        Object.assign(endpoint, { status: 'Failed', failureReason: err.message });
        report.push(`endpoint ${endpoint.name}: Failed (${err.message})`);
      }
      this.saveEndpoint(endpoint);
    }
    return report;
  }

  /** Starts the config's models on the endpoint (throws ModelStartError when they cannot start). */
  private async serve(endpoint: Endpoint, configName: string): Promise<void> {
    const endpointConfig = this.endpointConfigs.get(configName)!;
    await this.options.onEndpointServing?.(
      endpoint.name,
      endpointConfig,
      (endpointConfig.ProductionVariants ?? []).map((v) => this.models.get(v.ModelName!)!),
    );
  }

  private arn(resource: string, name: string): string {
    return `arn:aws:sagemaker:${this.options.region}:${LOCAL_ACCOUNT}:${resource}/${name}`;
  }

  private call(operation: string): void {
    this.calls.push(operation);
    const left = this.throttles.get(operation) ?? 0;
    if (left > 0) {
      this.throttles.set(operation, left - 1);
      throw new SageMakerError('ThrottlingException', `Rate exceeded (${operation})`);
    }
  }

  /** Makes the next `times` calls of an operation fail with ThrottlingException. */
  throttle(operation: string, times: number): void {
    this.throttles.set(operation, times);
  }

  /**
   * Makes the next `times` CreateEndpoint/UpdateEndpoint calls miss the newest endpoint config, as
   * SageMaker's eventually consistent read of it may right after CreateEndpointConfig.
   */
  staleConfigReads(times: number): void {
    this.staleReads = times;
  }

  /** Decides what the next UpdateEndpoint does once it settles. */
  setNextUpdateOutcome(outcome: UpdateOutcome): void {
    this.nextUpdateOutcome = outcome;
  }

  async createTrainingJob(input: CreateTrainingJobCommandInput): Promise<{ TrainingJobArn: string }> {
    this.call('CreateTrainingJob');
    validate('CreateTrainingJob', input);
    const name = input.TrainingJobName!;
    if (this.trainingJobs.has(name)) throw new SageMakerError('ResourceInUse', `Training job ${name} already exists`);
    const stop = new AbortController();
    const job: TrainingJob = { request: input, status: 'InProgress', metrics: [], created: new Date(), stop };
    this.trainingJobs.set(name, job);
    this.saveJob(job);
    // MaxRuntimeInSeconds: SageMaker stops the job (Stopped, MaxRuntimeExceeded).
    const limit = setTimeout(() => stop.abort('MaxRuntimeExceeded'), input.StoppingCondition!.MaxRuntimeInSeconds! * 1000);
    const stopped = new Promise<never>((_, reject) => stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true }));
    try {
      job.metrics = (await Promise.race([this.options.trainer(input, stop.signal), stopped])).metrics;
      job.status = 'Completed';
    } catch (err) {
      if (stop.signal.aborted) {
        Object.assign(job, { status: 'Stopped', secondaryStatus: String(stop.signal.reason) });
      } else {
        job.status = 'Failed';
        // SageMaker's two kinds: the job's own inputs or permissions (ClientError), or the algorithm.
        job.failureReason = `${(err as Error).name === 'ClientError' ? 'ClientError' : 'AlgorithmError'}: ${(err as Error).message}`;
      }
    } finally {
      clearTimeout(limit);
      job.stop = undefined;
      this.saveJob(job);
    }
    return { TrainingJobArn: this.arn('training-job', name) };
  }

  /** StopTrainingJob: an InProgress job is stopped (Stopping, then Stopped); any other is refused as SageMaker refuses it. */
  stopTrainingJob(input: { TrainingJobName?: string }): Record<string, never> {
    this.call('StopTrainingJob');
    const job = this.trainingJobs.get(input.TrainingJobName ?? '');
    if (!job) throw new SageMakerError('ResourceNotFound', `Requested resource not found: training job ${input.TrainingJobName}`);
    if (!job.stop) throw new SageMakerError('ValidationException', `The training job ${input.TrainingJobName} is not in progress (status ${job.status}).`);
    job.status = 'Stopping';
    this.saveJob(job);
    job.stop.abort('Stopped');
    return {};
  }

  describeTrainingJob(input: { TrainingJobName?: string }): DescribeTrainingJobCommandOutput {
    this.call('DescribeTrainingJob');
    const job = this.trainingJobs.get(input.TrainingJobName ?? '');
    if (!job) throw new SageMakerError('ResourceNotFound', `Requested resource not found: training job ${input.TrainingJobName}`);
    const name = job.request.TrainingJobName!;
    return {
      $metadata: {},
      TrainingJobName: name,
      TrainingJobArn: this.arn('training-job', name),
      TrainingJobStatus: job.status,
      SecondaryStatus: job.secondaryStatus ?? job.status,
      FailureReason: job.failureReason,
      HyperParameters: job.request.HyperParameters,
      AlgorithmSpecification: job.request.AlgorithmSpecification,
      ModelArtifacts: { S3ModelArtifacts: `${job.request.OutputDataConfig!.S3OutputPath!.replace(/\/?$/, '/')}${name}/output/model.tar.gz` },
      FinalMetricDataList: job.metrics.map((m) => ({ ...m, Timestamp: job.created })),
      CreationTime: job.created,
      ResourceConfig: job.request.ResourceConfig,
      StoppingCondition: job.request.StoppingCondition,
    } as DescribeTrainingJobCommandOutput;
  }

  createModelPackage(input: CreateModelPackageCommandInput): { ModelPackageArn: string } {
    this.call('CreateModelPackage');
    validate('CreateModelPackage', input);
    const group = input.ModelPackageGroupName!;
    // Versions are never reused, even across restarts of the local environment.
    const version = this.store.nextModelPackageVersion(group);
    const arn = this.arn('model-package', `${group}/${version}`);
    const modelPackage = {
      $metadata: {},
      ModelPackageArn: arn,
      ModelPackageName: group,
      ModelPackageGroupName: group,
      ModelPackageVersion: version,
      ModelPackageDescription: input.ModelPackageDescription,
      ModelApprovalStatus: input.ModelApprovalStatus,
      ModelPackageStatus: 'Completed',
      InferenceSpecification: input.InferenceSpecification,
      CustomerMetadataProperties: input.CustomerMetadataProperties,
      CreationTime: new Date(Date.now() + version), // strictly increasing for sorting
    } as ModelPackage;
    this.store.saveModelPackage(arn, group, version, modelPackage);
    this.modelPackages.push(modelPackage);
    return { ModelPackageArn: arn };
  }

  listModelPackages(input: { ModelPackageGroupName?: string; ModelApprovalStatus?: string; SortBy?: string; SortOrder?: string; MaxResults?: number }) {
    this.call('ListModelPackages');
    let list = this.modelPackages.filter((p) => p.ModelPackageGroupName === input.ModelPackageGroupName);
    if (input.ModelApprovalStatus) list = list.filter((p) => p.ModelApprovalStatus === input.ModelApprovalStatus);
    list = [...list].sort((a, b) => a.CreationTime!.getTime() - b.CreationTime!.getTime());
    if (input.SortOrder === 'Descending') list.reverse();
    return {
      ModelPackageSummaryList: list.slice(0, input.MaxResults ?? 100).map((p) => ({
        ModelPackageArn: p.ModelPackageArn,
        ModelPackageGroupName: p.ModelPackageGroupName,
        ModelPackageVersion: p.ModelPackageVersion,
        ModelApprovalStatus: p.ModelApprovalStatus,
        ModelPackageStatus: p.ModelPackageStatus,
        CreationTime: p.CreationTime,
      })),
    };
  }

  describeModelPackage(input: { ModelPackageName?: string }): DescribeModelPackageCommandOutput {
    this.call('DescribeModelPackage');
    const found = this.modelPackages.find((p) => p.ModelPackageArn === input.ModelPackageName);
    if (!found) throw new SageMakerError('ValidationException', `ModelPackage ${input.ModelPackageName} does not exist.`);
    return found;
  }

  /** Approves or rejects a package (what a person does in the registry). */
  updateModelPackageApproval(arn: string, status: 'Approved' | 'Rejected'): void {
    this.updateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: status });
  }

  /** UpdateModelPackage: the approval status, with its description, of an existing package version. */
  updateModelPackage(input: { ModelPackageArn?: string; ModelApprovalStatus?: string; ApprovalDescription?: string }): { ModelPackageArn: string } {
    this.call('UpdateModelPackage');
    const found = this.modelPackages.find((p) => p.ModelPackageArn === input.ModelPackageArn);
    if (!found) throw new SageMakerError('ValidationException', `ModelPackage ${input.ModelPackageArn} does not exist.`);
    if (input.ModelApprovalStatus) found.ModelApprovalStatus = input.ModelApprovalStatus as ModelPackage['ModelApprovalStatus'];
    if (input.ApprovalDescription !== undefined) found.ApprovalDescription = input.ApprovalDescription;
    found.LastModifiedTime = new Date();
    this.store.saveModelPackage(found.ModelPackageArn!, found.ModelPackageGroupName!, found.ModelPackageVersion!, found);
    return { ModelPackageArn: found.ModelPackageArn! };
  }

  createModel(input: CreateModelCommandInput): { ModelArn: string } {
    this.call('CreateModel');
    validate('CreateModel', input);
    if (this.models.has(input.ModelName!)) throw new SageMakerError('ValidationException', `Cannot create already existing model "${input.ModelName}".`);
    this.models.set(input.ModelName!, input);
    this.store.saveResource(MODEL, input.ModelName!, input);
    return { ModelArn: this.arn('model', input.ModelName!) };
  }

  createEndpointConfig(input: CreateEndpointConfigCommandInput): { EndpointConfigArn: string } {
    this.call('CreateEndpointConfig');
    validate('CreateEndpointConfig', input);
    for (const variant of input.ProductionVariants ?? []) {
      if (!this.models.has(variant.ModelName!)) throw new SageMakerError('ValidationException', `Could not find model "${variant.ModelName}".`);
    }
    this.refuseServerlessExclusions(input);
    this.endpointConfigs.set(input.EndpointConfigName!, input);
    this.store.saveResource(ENDPOINT_CONFIG, input.EndpointConfigName!, input);
    this.newestConfig = input.EndpointConfigName!;
    return { EndpointConfigArn: this.arn('endpoint-config', input.EndpointConfigName!) };
  }

  /**
   * SageMaker Serverless Inference "Feature exclusions" (AWS docs): no network isolation, VPC
   * configuration or data capture, a single production variant.
   */
  private refuseServerlessExclusions(input: CreateEndpointConfigCommandInput): void {
    const variants = input.ProductionVariants ?? [];
    if (!variants.some((v) => v.ServerlessConfig)) return;
    const refuse = (what: string) => {
      throw new SageMakerError('ValidationException', `${what} is not supported for Serverless Inference (endpoint config "${input.EndpointConfigName}").`);
    };
    if (variants.length > 1) refuse('More than one production variant');
    if (input.DataCaptureConfig) refuse('Data capture');
    const model = this.models.get(variants[0].ModelName!)!;
    if (model.EnableNetworkIsolation) refuse(`Network isolation (model "${model.ModelName}")`);
    if (model.VpcConfig) refuse(`VPC configuration (model "${model.ModelName}")`);
  }

  createEndpoint(input: CreateEndpointCommandInput): { EndpointArn: string } {
    this.call('CreateEndpoint');
    validate('CreateEndpoint', input);
    if (this.endpoints.has(input.EndpointName!))
      throw new SageMakerError('ValidationException', `Cannot create already existing endpoint "${input.EndpointName}".`);
    this.requireConfig(input.EndpointConfigName!);
    const endpoint: Endpoint = {
      name: input.EndpointName!,
      status: 'Creating',
      configName: input.EndpointConfigName!,
      pendingConfig: input.EndpointConfigName!,
      pendingOutcome: this.takeOutcome(),
      pollsLeft: this.options.settlePolls ?? 1,
    };
    this.endpoints.set(endpoint.name, endpoint);
    this.saveEndpoint(endpoint);
    return { EndpointArn: this.arn('endpoint', input.EndpointName!) };
  }

  updateEndpoint(input: UpdateEndpointCommandInput): { EndpointArn: string } {
    this.call('UpdateEndpoint');
    validate('UpdateEndpoint', input);
    const endpoint = this.requireEndpoint(input.EndpointName!);
    if (endpoint.status !== 'InService')
      throw new SageMakerError('ValidationException', `Cannot update in-progress endpoint "${endpoint.name}" (status ${endpoint.status}).`);
    this.requireConfig(input.EndpointConfigName!);
    if (input.DeploymentConfig) this.checkGuardrails(endpoint, input);
    Object.assign(endpoint, {
      status: 'Updating',
      pendingConfig: input.EndpointConfigName!,
      pendingOutcome: this.takeOutcome(),
      pollsLeft: this.options.settlePolls ?? 1,
    });
    this.saveEndpoint(endpoint);
    return { EndpointArn: this.arn('endpoint', endpoint.name) };
  }

  /**
   * Deployment guardrails (AWS docs): blue/green needs the new config to keep the variant names;
   * serverless endpoints take blue/green all-at-once only, never rolling updates or traffic shifting.
   */
  private checkGuardrails(endpoint: Endpoint, input: UpdateEndpointCommandInput): void {
    const variantsOf = (name: string) => (this.endpointConfigs.get(name)!.ProductionVariants ?? []).map((v) => v.VariantName).sort();
    const before = variantsOf(endpoint.configName);
    const after = variantsOf(input.EndpointConfigName!);
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      throw new SageMakerError(
        'ValidationException',
        `A deployment with DeploymentConfig needs the same variant names: ${before.join(',')} vs ${after.join(',')}.`,
      );
    }
    const serverless = (this.endpointConfigs.get(input.EndpointConfigName!)!.ProductionVariants ?? []).some((v) => v.ServerlessConfig);
    const routing = input.DeploymentConfig?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration?.Type;
    if (serverless && (input.DeploymentConfig?.RollingUpdatePolicy || (routing && routing !== 'ALL_AT_ONCE'))) {
      throw new SageMakerError('ValidationException', `Serverless endpoints support blue/green ALL_AT_ONCE only, not ${routing ?? 'rolling updates'}.`);
    }
  }

  async describeEndpoint(input: { EndpointName?: string }): Promise<DescribeEndpointCommandOutput> {
    this.call('DescribeEndpoint');
    const endpoint = this.requireEndpoint(input.EndpointName ?? '');
    if (endpoint.pendingConfig && --endpoint.pollsLeft <= 0) {
      await this.settle(endpoint);
      this.saveEndpoint(endpoint);
    }
    return {
      $metadata: {},
      EndpointName: endpoint.name,
      EndpointArn: this.arn('endpoint', endpoint.name),
      EndpointConfigName: endpoint.configName,
      EndpointStatus: endpoint.status,
      FailureReason: endpoint.failureReason,
      CreationTime: new Date(),
      LastModifiedTime: new Date(),
    } as DescribeEndpointCommandOutput;
  }

  private async settle(endpoint: Endpoint): Promise<void> {
    const config = endpoint.pendingConfig!;
    const outcome = endpoint.pendingOutcome ?? 'succeed';
    endpoint.pendingConfig = undefined;
    if (outcome === 'succeed') {
      try {
        await this.serve(endpoint, config);
      } catch (err) {
        // The new fleet never starts: the endpoint fails with the reason; what served before still serves.
        if (!(err instanceof ModelStartError)) throw err;
        Object.assign(endpoint, { status: 'Failed', failureReason: err.message });
        return;
      }
      Object.assign(endpoint, { status: 'InService', configName: config, failureReason: undefined });
    } else if (outcome === 'rollback' && endpoint.status === 'Updating') {
      // Blue/green: the alarms tripped during baking, traffic goes back to the old fleet.
      Object.assign(endpoint, { status: 'InService', failureReason: `Rolled back to ${endpoint.configName}: alarm in ALARM state during deployment` });
    } else {
      Object.assign(endpoint, {
        status: 'Failed',
        failureReason: `The primary container for production variant AllTraffic did not pass the ping health check (config ${config})`,
      });
    }
  }

  private takeOutcome(): UpdateOutcome {
    const outcome = this.nextUpdateOutcome;
    this.nextUpdateOutcome = 'succeed';
    return outcome;
  }

  private requireEndpoint(name: string): Endpoint {
    const endpoint = this.endpoints.get(name);
    if (!endpoint) throw new SageMakerError('ValidationException', `Could not find endpoint "${name}".`);
    return endpoint;
  }

  private requireConfig(name: string): void {
    const stale = name === this.newestConfig && this.staleReads > 0;
    if (stale) this.staleReads--;
    if (stale || !this.endpointConfigs.has(name)) throw new SageMakerError('ValidationException', `Could not find endpoint configuration "${name}".`);
  }

  /** An id for requests, as the HTTP responses carry. */
  static requestId(): string {
    return randomUUID();
  }
}
