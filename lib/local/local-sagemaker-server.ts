import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type LocalSageMaker, SageMakerError } from './local-sagemaker';

/** Operations SDK clients (the evaluation handler) call over HTTP. */
const OPERATIONS: Record<string, (local: LocalSageMaker, input: never) => unknown> = {
  DescribeTrainingJob: (local, input) => local.describeTrainingJob(input),
  ListModelPackages: (local, input) => local.listModelPackages(input),
  DescribeModelPackage: (local, input) => local.describeModelPackage(input),
};

/** The AWS JSON 1.1 protocol sends timestamps as epoch seconds. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '$metadata').map(([k, v]) => [k, toWire(v)]));
  return value;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves the local SageMaker over the wire protocol the SDK uses (`POST /`, `X-Amz-Target:
 * SageMaker.<Operation>`, JSON 1.1), so unmodified handlers reach it via AWS_ENDPOINT_URL_SAGEMAKER.
 */
export async function startSageMakerServer(local: LocalSageMaker, port = 0): Promise<{ endpoint: string; server: Server; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    void (async () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.replace(/^SageMaker\./, '');
      const reply = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `local-${Date.now()}` });
        response.end(JSON.stringify(payload));
      };
      try {
        const handler = OPERATIONS[operation];
        if (request.method !== 'POST' || !handler) throw new SageMakerError('UnknownOperationException', `the local SageMaker does not implement ${target || request.method + ' ' + request.url}`);
        const input = JSON.parse((await body(request)) || '{}') as never;
        reply(200, toWire(await handler(local, input)));
      } catch (err) {
        const name = err instanceof SageMakerError ? err.name : 'InternalFailure';
        reply(err instanceof SageMakerError ? 400 : 500, { __type: name, message: (err as Error).message });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${actual}`, server, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
