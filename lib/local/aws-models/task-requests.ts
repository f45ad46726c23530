import type { AslDefinition, TaskHandler } from '../services/stepfunctions/state-machine-runner';
import { describeProblems, requestProblems } from './request-validation';
import type { ServiceModel, ServiceModels } from './service-models';

/** Step Functions' service names for its integrations → botocore's names of the same APIs. */
const MODEL_NAMES: Record<string, string> = { sagemaker: 'sagemaker', ssm: 'ssm', sns: 'sns', sfn: 'stepfunctions', s3: 's3', cloudwatch: 'cloudwatch' };
/** How Step Functions prefixes a service's errors ("SageMaker.ValidationException"). */
const ERROR_PREFIXES: Record<string, string> = { sagemaker: 'SageMaker', ssm: 'SSM', sns: 'SNS', sfn: 'SFN', s3: 'S3', cloudwatch: 'CloudWatch' };

/**
 * Members the optimized integrations take as JSON and send as text: `sns:publish` serializes a
 * `Message` that is JSON (Step Functions' SNS integration docs).
 */
const SERIALIZED_MEMBERS: Record<string, readonly string[]> = { 'arn:aws:states:::sns:publish': ['Message'] };

/** The request the integration sends for a Task's rendered Parameters. */
function requestOf(resource: string, input: unknown): unknown {
  const members = SERIALIZED_MEMBERS[resource];
  if (!members || typeof input !== 'object' || input === null) return input;
  const request = { ...(input as Record<string, unknown>) };
  for (const member of members) if (request[member] !== undefined && typeof request[member] !== 'string') request[member] = JSON.stringify(request[member]);
  return request;
}

export interface TaskOperation {
  readonly service: string;
  readonly operation: string;
}

/**
 * The API call a Task's Resource makes: `arn:aws:states:::aws-sdk:<service>:<action>` and the
 * optimized integrations (`sagemaker:createTrainingJob.sync`, `sns:publish`) send their
 * Parameters as that operation's request. A Lambda function ARN has no service request (its input
 * is the event); anything else is refused, so no integration goes unchecked by accident.
 */
export function taskOperation(resource: string): TaskOperation | undefined {
  if (/^arn:aws:lambda:[^:]+:\d{12}:function:[^:]+$/.test(resource)) return undefined;
  const integration = /^arn:aws:states:::(?:aws-sdk:)?([a-z0-9]+):([a-zA-Z0-9]+)(?:\.sync|\.waitForTaskToken)?$/.exec(resource);
  if (!integration || !MODEL_NAMES[integration[1]]) {
    throw new Error(`the local twin has no service model mapping for the integration ${resource}: add it to lib/local/aws-models/task-requests.ts`);
  }
  const [, service, action] = integration;
  return { service, operation: action.charAt(0).toUpperCase() + action.slice(1) };
}

interface State {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Branches?: readonly AslDefinition[];
  readonly Iterator?: AslDefinition;
  readonly ItemProcessor?: AslDefinition;
}

/** Calls `visit` for every state, nested ones (Parallel branches, Map processors) included, with its path in the definition. */
function walkStates(definition: AslDefinition, visit: (name: string, state: State, at: string) => void, prefix = '/States'): void {
  for (const [name, state] of Object.entries(definition.States as Record<string, State>)) {
    visit(name, state, `${prefix}/${name}`);
    state.Branches?.forEach((branch, i) => walkStates(branch, visit, `${prefix}/${name}/Branches[${i}]/States`));
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) walkStates(processor, visit, `${prefix}/${name}/ItemProcessor/States`);
  }
}

/**
 * The fields of a Task's Parameters that its API does not have, as Step Functions refuses them
 * when the state machine is created (SCHEMA_VALIDATION_FAILED). Dynamic keys (`Name.$`) are
 * checked by name; their values only exist at run time.
 */
export function definitionProblems(definition: AslDefinition, models: ServiceModels): string[] {
  const problems: string[] = [];
  walkStates(definition, (_name, state, at) => {
    if (state.Type !== 'Task' || !state.Resource) return;
    const call = taskOperation(state.Resource);
    if (!call) return;
    const model = models.model(MODEL_NAMES[call.service]);
    const input = model.operations[call.operation]?.input;
    if (!input) problems.push(`SCHEMA_VALIDATION_FAILED: ${call.service} has no operation ${call.operation} at ${at}/Resource`);
    else unknownFields(model, input.shape, state.Parameters ?? {}, `${at}/Parameters`, problems);
  });
  return problems;
}

function unknownFields(model: ServiceModel, shapeName: string, value: unknown, at: string, problems: string[]): void {
  const shape = model.shapes[shapeName];
  if (shape.type === 'list' && Array.isArray(value)) value.forEach((element, i) => unknownFields(model, shape.member!.shape, element, `${at}[${i}]`, problems));
  if (shape.type !== 'structure' || typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [key, member] of Object.entries(value)) {
    const name = key.endsWith('.$') ? key.slice(0, -2) : key;
    const target = shape.members?.[name];
    if (!target) problems.push(`SCHEMA_VALIDATION_FAILED: The field "${name}" is not supported by Step Functions at ${at}`);
    else if (!key.endsWith('.$')) unknownFields(model, target.shape, member, `${at}/${name}`, problems);
  }
}

/**
 * Every service Task handler, its rendered Parameters first checked against the API's model
 * (required members, types, enums, lengths, ranges, patterns): a request the service would refuse
 * fails the state with the service's error ("SageMaker.ValidationException", AWS's message).
 */
export function validatedTaskHandlers(handlers: Record<string, TaskHandler>, definition: AslDefinition, models: ServiceModels): Record<string, TaskHandler> {
  const problems = definitionProblems(definition, models);
  if (problems.length > 0) throw new Error(`Step Functions would refuse this state machine:\n  ${problems.join('\n  ')}`);
  const resources = new Map<string, string>();
  walkStates(definition, (name, state) => {
    if (state.Type === 'Task' && state.Resource) resources.set(name, state.Resource);
  });
  const validated: Record<string, TaskHandler> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const resource = resources.get(name);
    const call = resource ? taskOperation(resource) : undefined;
    if (!call) {
      validated[name] = handler;
      continue;
    }
    const model = models.model(MODEL_NAMES[call.service]);
    validated[name] = async (input) => {
      const found = requestProblems(model, call.operation, requestOf(resource!, input)).filter((p) => p.kind !== 'UnknownMember');
      if (found.length > 0) {
        const { name: error, message } = describeProblems(found);
        throw Object.assign(new Error(message), {
          name: `${ERROR_PREFIXES[call.service]}.${error === 'ValidationException' && call.service === 'sns' ? 'InvalidParameterException' : error}`,
        });
      }
      return handler(input);
    };
  }
  return validated;
}
