import type { IncomingHttpHeaders } from 'node:http';
import { SignatureError, verifySignature, type LocalCredentials, type SignedRequest } from './sigv4';

/** How a local service authenticates its callers: the environment's key pair and the service's signing name. */
export interface ServiceAuth {
  readonly credentials: LocalCredentials;
  readonly region: string;
}

/** A refusal before the request is served: the HTTP status, the service's error code and message. */
export class AuthenticationError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * The Host header names this loopback server (127.0.0.1 or localhost, its port): a page on another
 * site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own name and is refused.
 */
export function checkHost(headers: IncomingHttpHeaders, port: number): void {
  const host = headers.host;
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    throw new AuthenticationError(400, 'InvalidHost', `Host "${host ?? ''}" is not this local server (127.0.0.1:${port})`);
  }
}

/** The JSON services' answers to a bad signature (what SageMaker, SSM, Step Functions and CloudWatch send). */
const JSON_ERRORS: Record<SignatureError['reason'], [number, string, string?]> = {
  missing: [403, 'MissingAuthenticationTokenException', 'Missing Authentication Token'],
  'unknown-key': [403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'],
  mismatch: [403, 'InvalidSignatureException'],
  skewed: [403, 'InvalidSignatureException'],
  expired: [403, 'InvalidSignatureException'],
  malformed: [403, 'IncompleteSignatureException'],
  'wrong-scope': [403, 'InvalidSignatureException'],
};

/** The query protocol's answers (SNS; AWS's "Common Errors" of its query APIs). */
const QUERY_ERRORS: Record<SignatureError['reason'], [number, string, string?]> = {
  missing: [403, 'MissingAuthenticationToken', 'Request is missing Authentication Token'],
  'unknown-key': [403, 'InvalidClientTokenId', 'The security token included in the request is invalid.'],
  mismatch: [403, 'SignatureDoesNotMatch'],
  skewed: [403, 'SignatureDoesNotMatch'],
  expired: [403, 'SignatureDoesNotMatch'],
  malformed: [400, 'IncompleteSignature'],
  'wrong-scope': [403, 'SignatureDoesNotMatch'],
};

/** S3's answers (its REST error codes). */
const S3_ERRORS: Record<SignatureError['reason'], [number, string, string?]> = {
  missing: [403, 'AccessDenied', 'Access Denied'],
  'unknown-key': [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'],
  mismatch: [403, 'SignatureDoesNotMatch'],
  skewed: [403, 'RequestTimeTooSkewed'],
  expired: [403, 'AccessDenied', 'Request has expired'],
  malformed: [400, 'AuthorizationHeaderMalformed'],
  'wrong-scope': [400, 'AuthorizationHeaderMalformed'],
};

/**
 * A request's Signature Version 4 checked against the environment's key pair, refused as the
 * service's protocol family refuses it.
 */
export function authenticate(
  request: SignedRequest,
  auth: ServiceAuth,
  service: { signingName: string; family: 'json' | 'query' | 's3'; payloadHash?: string },
): void {
  try {
    verifySignature(request, {
      credentials: auth.credentials,
      region: auth.region,
      service: service.signingName,
      payloadHash: service.payloadHash,
      singleEncodedPath: service.family === 's3',
    });
  } catch (err) {
    if (!(err instanceof SignatureError)) throw err;
    const [status, code, message] = { json: JSON_ERRORS, query: QUERY_ERRORS, s3: S3_ERRORS }[service.family][err.reason];
    throw new AuthenticationError(status, code, message ?? err.message);
  }
}
