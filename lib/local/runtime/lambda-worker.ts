import { parentPort, workerData } from 'node:worker_threads';
import { adoptProofKey, runAsRole } from '../iam/caller-context';

/**
 * The worker side of LambdaWorkerPool: one sandbox of a function. It takes the function's
 * environment, claims its role with the parent process's proof key (see caller-context), loads the
 * handler once and answers invocations one at a time, as one Lambda execution environment does.
 */
const { modulePath, environment, role, proofKey } = workerData as {
  modulePath: string;
  environment: Record<string, string>;
  role: string;
  proofKey: Uint8Array;
};
Object.assign(process.env, environment);
adoptProofKey(proofKey);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require(modulePath) as { handler: (event: unknown) => Promise<unknown> };

parentPort!.on('message', (message: { id: number; event: unknown }) => {
  runAsRole(role, () => handler(message.event)).then(
    (result) => parentPort!.postMessage({ id: message.id, result }),
    (err: unknown) => {
      const error = err as Error;
      parentPort!.postMessage({ id: message.id, error: { name: error?.name ?? 'Error', message: error?.message ?? String(err), stack: error?.stack } });
    },
  );
});
