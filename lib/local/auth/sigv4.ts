import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A key pair of the local account: one per environment, random, never the same twice. */
export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function newLocalCredentials(): LocalCredentials {
  // AKIA + 16 upper-case characters: the shape of an IAM user's access key id.
  const id = randomBytes(10)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'X')
    .toUpperCase()
    .slice(0, 16)
    .padEnd(16, 'X');
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') };
}

/** Why a request's signature was refused, in the terms of the protocol family that refuses it. */
export class SignatureError extends Error {
  constructor(
    readonly reason: 'missing' | 'unknown-key' | 'mismatch' | 'skewed' | 'expired' | 'malformed' | 'wrong-scope',
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

export interface SignedRequest {
  readonly method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface VerifyOptions {
  readonly credentials: LocalCredentials;
  /** The signing name the scope must carry: s3, sagemaker, states, ssm, monitoring. */
  readonly service: string;
  readonly region: string;
  /**
   * The payload hash the signature covers: S3 sends it as x-amz-content-sha256 (which is then
   * required); the JSON services sign the SHA-256 of the body, which the caller computes.
   */
  readonly payloadHash?: string;
  /** S3 signs the URI as sent; the other services sign it encoded once more. */
  readonly singleEncodedPath?: boolean;
  readonly now?: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses a request signed more than 15 minutes before or after its own clock. */
const MAX_SKEW_MS = 15 * 60_000;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding, as SigV4 specifies (encodeURIComponent leaves !'()* alone). */
const rfc3986 = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const decode = (value: string) => {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new SignatureError('malformed', `the request target has an invalid percent-encoding: ${value}`);
  }
};

function amzTime(value: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) throw new SignatureError('malformed', `X-Amz-Date "${value}" is not in the basic ISO 8601 format (YYYYMMDDTHHMMSSZ)`);
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

interface Authorization {
  readonly accessKeyId: string;
  readonly scope: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly amzDate: string;
  /** Presigned URLs: seconds the signature stays valid. */
  readonly expires?: number;
}

function parseCredential(credential: string, signedHeaders: string, signature: string, amzDate: string, expires?: number): Authorization {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request')
    throw new SignatureError('malformed', `the credential "${credential}" is not <key>/<date>/<region>/<service>/aws4_request`);
  const [accessKeyId, date, region, service] = parts;
  return { accessKeyId, date, region, service, scope: parts.slice(1).join('/'), signedHeaders: signedHeaders.split(';'), signature, amzDate, expires };
}

/** The Authorization header's or the presigned query's signature parameters. */
function authorizationOf(request: SignedRequest, query: [string, string][]): Authorization | undefined {
  const header = request.headers.authorization;
  const fromQuery = new Map(query);
  if (header !== undefined) {
    const match = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(header.trim());
    if (!match) throw new SignatureError('malformed', `the Authorization header is not an ${ALGORITHM} signature`);
    const amzDate = request.headers['x-amz-date'];
    if (typeof amzDate !== 'string') throw new SignatureError('malformed', 'the signed request has no X-Amz-Date header');
    return parseCredential(match[1], match[2], match[3], amzDate);
  }
  if (fromQuery.has('X-Amz-Algorithm')) {
    if (fromQuery.get('X-Amz-Algorithm') !== ALGORITHM) throw new SignatureError('malformed', `X-Amz-Algorithm must be ${ALGORITHM}`);
    const [credential, signedHeaders, signature, amzDate, expires] = [
      'X-Amz-Credential',
      'X-Amz-SignedHeaders',
      'X-Amz-Signature',
      'X-Amz-Date',
      'X-Amz-Expires',
    ].map((k) => fromQuery.get(k));
    if (!credential || !signedHeaders || !signature || !amzDate || !expires)
      throw new SignatureError('malformed', 'the presigned URL lacks one of its X-Amz-* parameters');
    return parseCredential(credential, signedHeaders, signature, amzDate, Number(expires));
  }
  return undefined;
}

/**
 * Checks a request's Signature Version 4 (header or presigned query) the way AWS does: the key is
 * the environment's, the scope names this service and region, the time is within 15 minutes (or
 * the presigned URL has not expired), `host` is signed, and the signature recomputed from the
 * canonical request equals the one sent. Returns the access key id; throws SignatureError.
 */
export function verifySignature(request: SignedRequest, options: VerifyOptions): string {
  const [rawPath, rawQuery = ''] = request.url.split('?', 2) as [string, string?];
  const query = rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      return (at === -1 ? [decode(pair), ''] : [decode(pair.slice(0, at)), decode(pair.slice(at + 1))]) as [string, string];
    });
  const auth = authorizationOf(request, query);
  if (!auth) throw new SignatureError('missing', 'the request is not signed');
  if (auth.accessKeyId !== options.credentials.accessKeyId) throw new SignatureError('unknown-key', `access key ${auth.accessKeyId} is not this environment's`);
  if (auth.service !== options.service || auth.region !== options.region) {
    throw new SignatureError('wrong-scope', `the credential scope ${auth.scope} is not ${options.region}/${options.service}`);
  }
  const signedAt = amzTime(auth.amzDate);
  if (!auth.amzDate.startsWith(auth.date))
    throw new SignatureError('malformed', `the credential date ${auth.date} is not the day of X-Amz-Date ${auth.amzDate}`);
  const now = (options.now ?? new Date()).getTime();
  if (auth.expires !== undefined) {
    if (now > signedAt.getTime() + auth.expires * 1000)
      throw new SignatureError('expired', `the presigned URL expired at ${new Date(signedAt.getTime() + auth.expires * 1000).toISOString()}`);
  } else if (Math.abs(now - signedAt.getTime()) > MAX_SKEW_MS) {
    throw new SignatureError('skewed', `the request was signed at ${signedAt.toISOString()}, more than 15 minutes from ${new Date(now).toISOString()}`);
  }
  if (!auth.signedHeaders.includes('host')) throw new SignatureError('malformed', 'the host header is not signed');

  // The path as sent is encoded once; the services other than S3 sign it encoded again.
  const canonicalUri = options.singleEncodedPath ? rawPath : rawPath.split('/').map(encodeURIComponent).join('/');
  const canonicalQuery = query
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [rfc3986(key), rfc3986(value)])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalHeaders = auth.signedHeaders
    .map((name) => {
      const value = request.headers[name];
      if (value === undefined) throw new SignatureError('malformed', `the signed header ${name} is missing`);
      return `${name}:${[value].flat().join(',').trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const payloadHash = auth.expires !== undefined ? 'UNSIGNED-PAYLOAD' : (options.payloadHash ?? request.headers['x-amz-content-sha256']);
  if (typeof payloadHash !== 'string') throw new SignatureError('malformed', 'the request has no x-amz-content-sha256 header');
  const canonicalRequest = [request.method, canonicalUri, canonicalQuery, canonicalHeaders, auth.signedHeaders.join(';'), payloadHash].join('\n');
  const stringToSign = [ALGORITHM, auth.amzDate, auth.scope, sha256(canonicalRequest)].join('\n');
  const key = signingKey(options.credentials.secretAccessKey, auth.date, auth.region, auth.service);
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(auth.signature, 'hex'))) {
    throw new SignatureError('mismatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  return auth.accessKeyId;
}

/** SigV4's signing key: the secret HMAC-chained with the date, region, service and "aws4_request". */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return [date, region, service, 'aws4_request'].reduce<Buffer | string>((k, part) => hmac(k, part), `AWS4${secretAccessKey}`) as Buffer;
}

/** The signature of a signed request (header or presigned), to bind other claims to it. */
export function signatureOf(headers: IncomingHttpHeaders | Record<string, unknown>, url = ''): string | undefined {
  const header = headers.authorization;
  if (typeof header === 'string') return /Signature=([0-9a-f]{64})/.exec(header)?.[1];
  return /[?&]X-Amz-Signature=([0-9a-f]{64})/.exec(url)?.[1];
}

export { sha256 as sha256Hex };
