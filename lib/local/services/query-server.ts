import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AuthenticationError, type ServiceAuth } from '../auth/request-auth';
import { callerRoleOf } from '../iam/caller-context';
import { authenticatedBody, bodyText, listenOnLoopback, ServiceError, type RequestAuthorizer, type RunningServer } from './json-rpc-server';

export interface QueryService {
  /** Used in errors, e.g. "local SNS". */
  readonly title: string;
  /** The name its requests are filed under for the request checks and local IAM, e.g. "AmazonSimpleNotificationService". */
  readonly targetPrefix: string;
  /** The name requests are signed for (the credential scope's service), e.g. "sns". */
  readonly signingName: string;
  /** The API version every request names (`Version=`), e.g. "2010-03-31". */
  readonly version: string;
  /** The XML namespace of its responses. */
  readonly namespace: string;
  /** Operations take the request's scalar parameters and answer a flat result. */
  readonly operations: Readonly<Record<string, (input: Record<string, string>) => Record<string, string>>>;
}

/** How the query services name the JSON services' refusals: the request checks' and local IAM's. */
const QUERY_ERRORS: Record<string, { code: string; status: number }> = {
  ValidationException: { code: 'ValidationError', status: 400 },
  AccessDeniedException: { code: 'AuthorizationError', status: 403 },
};

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Serves a local service over the AWS query protocol the SDK speaks to SNS (`POST /`, a
 * form-encoded `Action=<Operation>&Version=...` body, XML answers and `<ErrorResponse>` errors),
 * so unmodified SDK clients reach it through AWS_ENDPOINT_URL_<SERVICE>. Each request is signed
 * (with `auth`), checked and authorized as the JSON services' are. Nested parameters (lists, maps:
 * `Name.member.1`) are refused by name: no operation served here takes them.
 */
export async function startQueryServer(service: QueryService, port = 0, authorize?: RequestAuthorizer, auth?: ServiceAuth): Promise<RunningServer> {
  const server = createServer((request, response) => {
    void (async () => {
      const requestId = randomUUID();
      const reply = (status: number, xml: string) => {
        response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        response.end(xml);
      };
      const fail = (status: number, code: string, message: string) =>
        reply(
          status,
          `<ErrorResponse xmlns="${service.namespace}"><Error><Type>Sender</Type><Code>${xmlText(code)}</Code><Message>${xmlText(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      try {
        const body = await authenticatedBody(server, request, service.signingName, auth, 'query');
        const form = Object.fromEntries(new URLSearchParams(bodyText(request, body)));
        const { Action: operation = '', Version: version, ...input } = form;
        const handler = Object.hasOwn(service.operations, operation) ? service.operations[operation] : undefined;
        if (request.method !== 'POST' || !handler)
          throw new ServiceError('InvalidAction', `the ${service.title} does not implement ${operation || `${request.method} ${request.url}`}`);
        if (version !== service.version) throw new ServiceError('InvalidParameterValue', `Version "${version}" is not ${service.version}`);
        const nested = Object.keys(input).find((name) => name.includes('.'));
        if (nested) throw new ServiceError('InvalidParameter', `the ${service.title} does not implement the nested parameter ${nested}`);
        await authorize?.({ role: callerRoleOf(request.headers, request.url), targetPrefix: service.targetPrefix, operation, input });
        const result = Object.entries(handler(input))
          .map(([name, value]) => `<${name}>${xmlText(value)}</${name}>`)
          .join('');
        reply(
          200,
          `<${operation}Response xmlns="${service.namespace}"><${operation}Result>${result}</${operation}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
        );
      } catch (err) {
        if (err instanceof AuthenticationError) return fail(err.status, err.code, err.message);
        if (!(err instanceof ServiceError)) return fail(500, 'InternalFailure', (err as Error).message);
        const known = QUERY_ERRORS[err.name];
        fail(known?.status ?? 400, known?.code ?? err.name, err.message);
      }
    })();
  });
  return listenOnLoopback(server, port, service.title);
}
