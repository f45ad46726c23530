import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthenticationError } from '../auth/request-auth';
import { signatureOf } from '../auth/sigv4';

/**
 * Which function's role an outgoing request is made under. On AWS each Lambda function signs with
 * its own role's credentials; locally the handlers share one process and the environment's key
 * pair, so the runtime runs each invocation in a context that names the role, and every HTTP
 * request made in that context carries it in this header to the loopback services, which evaluate
 * IAM for that role. The claim is bound to the request's signature by an HMAC under a key that
 * exists only in this process's memory (PROOF_HEADER), so no other process can claim a role:
 * requests from outside (the CLI's uploads, `aws`) carry none and are the account's own user.
 */
export const CALLER_HEADER = 'x-mlops-local-role';
export const PROOF_HEADER = 'x-mlops-local-role-proof';

/** Never leaves this process (its worker threads, which run handlers, share it: proofKeyForWorkers). */
let PROOF_KEY: Buffer = randomBytes(32);

/** The key, for a worker thread of this process that runs handlers (LambdaWorkerPool). */
export function proofKeyForWorkers(): Uint8Array {
  return new Uint8Array(PROOF_KEY);
}

/** In a worker thread: prove roles with the parent's key, so the loopback services accept its claims. */
export function adoptProofKey(key: Uint8Array): void {
  PROOF_KEY = Buffer.from(key);
}
const proofOf = (role: string, signature: string) => createHmac('sha256', PROOF_KEY).update(`${role}\n${signature}`).digest('hex');

const callers = new AsyncLocalStorage<string>();
let installed = false;

/** Tags every request of the SDK's HTTP agents (all go through Agent#addRequest, before headers are sent). */
function install(): void {
  if (installed) return;
  installed = true;
  // addRequest is Node's (undocumented in the types) hook every ClientRequest passes through.
  const prototype = http.Agent.prototype as unknown as { addRequest: (this: http.Agent, request: http.ClientRequest, options: unknown) => void };
  const addRequest = prototype.addRequest;
  prototype.addRequest = function (request, options) {
    const role = callers.getStore();
    if (role !== undefined && !request.headersSent) {
      request.setHeader(CALLER_HEADER, role);
      const signature = signatureOf({ authorization: request.getHeader('authorization') }, request.path);
      // An unsigned request gets no proof; the service refuses it for its missing signature.
      if (signature) request.setHeader(PROOF_HEADER, proofOf(role, signature));
    }
    return addRequest.call(this, request, options);
  };
}

/** Runs `work` as the role with this logical id: its requests to the local services are evaluated for that role. */
export function runAsRole<T>(roleLogicalId: string, work: () => Promise<T>): Promise<T> {
  install();
  return callers.run(roleLogicalId, work);
}

/**
 * The role a request was made under, if a handler of this process made it; a role claimed
 * without this process's proof for the request's signature is refused (AccessDenied).
 */
export function callerRoleOf(headers: IncomingHttpHeaders, url = ''): string | undefined {
  const role = headers[CALLER_HEADER];
  if (role === undefined) return undefined;
  const proof = headers[PROOF_HEADER];
  const signature = signatureOf(headers, url);
  const expected = typeof role === 'string' && signature ? Buffer.from(proofOf(role, signature), 'hex') : undefined;
  const given = typeof proof === 'string' && /^[0-9a-f]{64}$/.test(proof) ? Buffer.from(proof, 'hex') : undefined;
  if (!expected || !given || !timingSafeEqual(expected, given)) {
    throw new AuthenticationError(403, 'AccessDenied', `the request claims the role "${String(role)}" without the local runtime's proof for its signature`);
  }
  return role as string;
}
