import { ServiceError, type RequestAuthorizer } from '../services/json-rpc-server';
import { AccessDeniedError, type AuthorizationRequest, type LocalIam } from './local-iam';
import { jsonServiceRequests, s3Requests, type S3Request } from './service-calls';
import type { TopicKeys } from './state-machine-calls';

/** The caller header's value: "<role logical id>/<function name>" (the STS session Lambda names after the function). */
export function callerValue(roleLogicalId: string, functionName: string): string {
  return `${roleLogicalId}/${functionName}`;
}

async function authorizeCaller(iam: LocalIam, caller: string, requests: AuthorizationRequest[] | undefined, what: string): Promise<void> {
  const [roleLogicalId, functionName = 'lambda'] = caller.split('/');
  if (!requests) throw new AccessDeniedError(caller, { action: what, resource: '?' }, 'local IAM does not know what this request is authorized on');
  await iam.authorize(iam.sessionOf(roleLogicalId, functionName), requests);
}

/** For the AWS JSON services: a handler's call is evaluated under its role; AccessDeniedException as those services answer it. */
export function jsonServiceAuthorizer(iam: LocalIam, region: string, topicKeys?: TopicKeys): RequestAuthorizer {
  const table = jsonServiceRequests(region, topicKeys);
  return async ({ role, targetPrefix, operation, input }) => {
    if (role === undefined) return;
    try {
      await authorizeCaller(iam, role, table[targetPrefix]?.[operation]?.(input), `${targetPrefix}.${operation}`);
    } catch (err) {
      if (err instanceof AccessDeniedError) throw new ServiceError('AccessDeniedException', err.message);
      throw err;
    }
  };
}

/** For the local S3: a handler's request is evaluated under its role, with the KMS use of SSE-KMS buckets. */
export function s3Authorizer(iam: LocalIam, bucketKeys: ReadonlyMap<string, string>): (role: string | undefined, request: S3Request) => Promise<void> {
  return async (role, request) => {
    if (role === undefined) return;
    await authorizeCaller(iam, role, s3Requests(request, bucketKeys), `S3 ${request.method} ${request.path}`);
  };
}
