import { createServer, type Server, type Socket } from 'node:net';
import { LambdaWorkerPool } from '../../../lib/local/runtime/lambda-workers';

/**
 * A Map Run that fails leaves children's Lambda invocations running (as on AWS, an aborted child
 * does not stop its invocation). When the environment stops, each such invocation must end with
 * an error: one that never settles keeps its Task's timer, and the process, alive.
 */
let server: Server;
const sockets: Socket[] = [];
let endpoint: string;

beforeAll(async () => {
  // Accepts S3 requests and never answers: the handler's first S3 call waits for good.
  server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function pool(timeoutSeconds?: number): LambdaWorkerPool {
  return new LambdaWorkerPool({
    handlerName: 'feature-shards',
    size: 1,
    environment: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_MAX_ATTEMPTS: '1',
    },
    role: 'arn:aws:iam::000000000000:role/FeatureShards',
    timeout: timeoutSeconds === undefined ? undefined : { functionName: 'FeatureShards', seconds: timeoutSeconds },
  });
}

const finish = { step: 'finish', runId: 'run-1', bucket: 'data' };

test('GIVEN an invocation in a worker and one waiting for a worker WHEN the pool closes THEN both fail, naming the shutdown', async () => {
  const workers = pool();
  // Their outcomes are taken at once: close() rejects the waiting one before anything awaits it.
  const running = workers.invoke(finish).catch((err: unknown) => err);
  const waiting = workers.invoke(finish).catch((err: unknown) => err);
  // Until the running one has reached S3, the request socket is the proof it is in flight.
  while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  await workers.close();
  expect(await running).toMatchObject({ name: 'Lambda.ServiceException', message: expect.stringMatching(/feature-shards worker exited/) });
  expect(await waiting).toMatchObject({ name: 'Lambda.ServiceException', message: expect.stringMatching(/workers were closed/) });
  await expect(workers.invoke(finish)).rejects.toThrow(/workers were closed/);
}, 60_000);

test('GIVEN an invocation whose handler fails WHEN it returns THEN its error comes back with its name and the worker serves the next', async () => {
  const workers = pool();
  try {
    await expect(workers.invoke({ step: 'nope' })).rejects.toThrow(/invalid feature-shards input: step/);
    await expect(workers.invoke({ step: 'finish' })).rejects.toThrow(/invalid feature-shards input/);
  } finally {
    await workers.close();
  }
}, 60_000);

test("GIVEN the function's timeout WHEN an invocation runs past it THEN it fails as Lambda's timeout does and its worker is replaced", async () => {
  const workers = pool(1);
  try {
    const started = Date.now();
    await expect(workers.invoke(finish)).rejects.toMatchObject({ name: 'Lambda.Unknown', message: 'FeatureShards: Task timed out after 1.00 seconds' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // The timed-out worker was terminated (it was still waiting on S3); a new one answers the next invocation.
    await expect(workers.invoke({ step: 'nope' })).rejects.toThrow(/invalid feature-shards input/);
  } finally {
    await workers.close();
  }
}, 60_000);

test('GIVEN one worker and an invocation waiting for it WHEN the running one times out THEN the waiting one runs on a new worker', async () => {
  const workers = pool(1);
  try {
    const running = workers.invoke(finish).catch((err: unknown) => err);
    const waiting = workers.invoke({ step: 'nope' }).catch((err: unknown) => err);
    expect(await running).toMatchObject({ name: 'Lambda.Unknown', message: 'FeatureShards: Task timed out after 1.00 seconds' });
    expect(await waiting).toMatchObject({ message: expect.stringMatching(/invalid feature-shards input/) });
  } finally {
    await workers.close();
  }
}, 60_000);
