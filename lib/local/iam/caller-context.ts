import { AsyncLocalStorage } from 'node:async_hooks';
import * as http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Which function's role an outgoing request is made under. On AWS each Lambda function signs with
 * its own role's credentials; locally the handlers share one process and the local S3's one key
 * pair, so the runtime runs each invocation in a context that names the role, and every HTTP
 * request made in that context carries it in this header to the loopback services, which evaluate
 * IAM for that role. (Requests outside a handler, e.g. the CLI's uploads, carry none: they are the
 * account's own user.) Signature checks of the local services are the durable-twin issue's.
 */
export const CALLER_HEADER = 'x-mlops-local-role';

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
    if (role !== undefined && !request.headersSent) request.setHeader(CALLER_HEADER, role);
    return addRequest.call(this, request, options);
  };
}

/** Runs `work` as the role with this logical id: its requests to the local services are evaluated for that role. */
export function runAsRole<T>(roleLogicalId: string, work: () => Promise<T>): Promise<T> {
  install();
  return callers.run(roleLogicalId, work);
}

/** The role a request was made under, if a handler made it. */
export function callerRoleOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[CALLER_HEADER];
  return typeof value === 'string' ? value : undefined;
}
