import { createServer } from 'node:http';
import type { FeatureSpec } from '../../../lambdas/core/features/feature-spec';
import { readJsonAt } from '../../../lambdas/shared/s3';
import { listenOnLoopback, readBody, type RunningServer } from '../services/json-rpc-server';
import type { LocalMlops } from '../runtime/local-mlops';
import { rawFeatureRows, sendTraffic } from './traffic';

/** Raw CSV rows (with a header) encoded with the deployed model's spec and sent to the endpoint. */
async function predict(local: LocalMlops, csv: string): Promise<{ predictions: number[]; modelPackageArn?: string }> {
  const deployed = local.deployedModel();
  if (!deployed.featureSpecUri) throw new Error('no model is deployed yet: upload data and wait for a run to deploy one (see `mlops status`)');
  const spec = await readJsonAt<FeatureSpec>(local.s3, deployed.featureSpecUri);
  const { rows } = rawFeatureRows(Buffer.from(csv), spec, 'the predict input');
  const runtime = local.runtimeClient();
  try {
    return { predictions: await sendTraffic(runtime, local.functionSetting('ENDPOINT_NAME'), spec, rows), modelPackageArn: deployed.modelPackageArn };
  } finally {
    runtime.destroy();
  }
}

/**
 * The loopback API through which `mlops upload|predict|drift|status` talk to a running `mlops up`.
 * Errors come back as `{ "error": message }` with status 400.
 */
export async function startControlServer(local: LocalMlops, port = 0): Promise<RunningServer> {
  const routes: Record<string, (body: string) => Promise<unknown>> = {
    'GET /status': () => local.status(),
    'POST /wait': async () => (await local.idle(), local.status()),
    'POST /predict': (body) => predict(local, body),
    'POST /drift': async (body) => {
      const { windowEnd } = JSON.parse(body || '{}') as { windowEnd?: string };
      const { result, transitions } = await local.checkDrift(windowEnd ? new Date(windowEnd) : undefined);
      return { result, transitions: transitions.map((t) => ({ alarm: t.alarm.alarmName, from: t.from, to: t.to, reason: t.reason })) };
    },
  };
  const server = createServer((request, response) => {
    void (async () => {
      const route = routes[`${request.method} ${request.url}`];
      try {
        if (!route) throw new Error(`unknown request ${request.method} ${request.url}`);
        const result = await route(await readBody(request));
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(result));
      } catch (err) {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: (err as Error).message }));
      }
    })();
  });
  return listenOnLoopback(server, port, 'control API');
}
