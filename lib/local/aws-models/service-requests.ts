import { ServiceError, type RequestAuthorizer } from '../services/json-rpc-server';
import { describeProblems, requestProblems } from './request-validation';
import { localServiceModels, MODELS_HINT, type ServiceModels } from './service-models';

/** The local JSON services by X-Amz-Target prefix (and the query services by the name they file requests under) → botocore's name of the service. */
const MODEL_OF_TARGET: Record<string, string> = {
  SageMaker: 'sagemaker',
  AWSStepFunctions: 'stepfunctions',
  AmazonSSM: 'ssm',
  GraniteServiceVersion20100801: 'cloudwatch',
  AmazonSimpleNotificationService: 'sns',
};

/**
 * For the local JSON services: every request checked against its API's model before it is
 * served, refused as the service refuses it (ValidationException with AWS's message, or
 * SerializationException for a wrong type). Members the API lacks are ignored, as AWS's JSON
 * services ignore them.
 */
export function jsonServiceValidator(models: ServiceModels): RequestAuthorizer {
  return async ({ targetPrefix, operation, input }) => {
    const service = MODEL_OF_TARGET[targetPrefix];
    if (!service) throw new Error(`no service model is mapped for X-Amz-Target ${targetPrefix}: add it to lib/local/aws-models/service-requests.ts`);
    const problems = requestProblems(models.model(service), operation, input).filter((p) => p.kind !== 'UnknownMember');
    if (problems.length === 0) return;
    const { name, message } = describeProblems(problems);
    throw new ServiceError(name, message);
  };
}

/** Runs each check in turn (request shape, then IAM); the first refusal answers the request. */
export function allChecks(...checks: (RequestAuthorizer | undefined)[]): RequestAuthorizer {
  return async (request) => {
    for (const check of checks) await check?.(request);
  };
}

/** The models a test harness needs: missing models fail the test saying how to install them (never a silent skip). */
export function requiredServiceModels(): ServiceModels {
  const models = localServiceModels();
  if (!models) throw new Error(`AWS's service models were not found, so requests cannot be checked: ${MODELS_HINT}`);
  return models;
}
