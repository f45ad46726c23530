import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthenticationError, checkHost } from '../auth/request-auth';
import type { FeatureSpec } from '../../../lambdas/core/features/feature-spec';
import { readJsonAt } from '../../../lambdas/shared/s3';
import { listenOnLoopback, readBody, type RunningServer } from '../services/json-rpc-server';
import type { LocalMlops } from '../runtime/local-mlops';
import { sendTraffic } from './traffic';
import { servingRecords } from '../../../lambdas/core/features/serving-records';
import { argmax } from '../../../lambdas/core/xgboost-output';

/** What `POST /predict` answers: a score per row, and for a multiclass model each class's probability and the most probable class. */
export interface PredictResponse {
  readonly modelPackageArn?: string;
  /** The probability (binary) or value (regression); multiclass: the most probable class's probability. */
  readonly predictions: number[];
  /** Multiclass: the classes in the model's output order, and per row the most probable one and every probability. */
  readonly classes?: readonly string[];
  readonly predictedClasses?: string[];
  readonly probabilities?: number[][];
}

/** Raw CSV rows (with a header), checked by the training data's rules, encoded with the deployed model's spec and sent to the endpoint. */
async function predict(local: LocalMlops, csv: string): Promise<PredictResponse> {
  const deployed = local.deployedModel();
  if (!deployed.featureSpecUri) throw new Error('no model is deployed yet: upload data and wait for a run to deploy one (see `mlops status`)');
  const spec = await readJsonAt<FeatureSpec>(local.s3, deployed.featureSpecUri);
  // Checked as the training data was (every problem of every record, nothing scored in part).
  const rows = servingRecords(Buffer.from(csv), local.datasetRules(), spec, 'the predict input');
  const runtime = local.runtimeClient();
  try {
    const outputs = await sendTraffic(runtime, local.functionSetting('ENDPOINT_NAME'), spec, rows);
    const classes = spec.target.classes;
    if (!classes) return { predictions: outputs.map(([p]) => p), modelPackageArn: deployed.modelPackageArn };
    const best = outputs.map((row) => argmax(row));
    return {
      modelPackageArn: deployed.modelPackageArn,
      predictions: outputs.map((row, i) => row[best[i]]),
      classes,
      predictedClasses: best.map((k) => classes[k]),
      probabilities: outputs,
    };
  } finally {
    runtime.destroy();
  }
}

/**
 * Who may use the control API: the Host names this server (no DNS rebinding), no browser sent it
 * (a cross-origin page's request carries Origin), and it carries the environment's token, which
 * only the owner-readable environment file holds.
 */
function checkCaller(request: IncomingMessage, port: number, token: string): void {
  checkHost(request.headers, port);
  if (request.headers.origin !== undefined)
    throw new AuthenticationError(403, 'Forbidden', `requests from web pages (Origin ${request.headers.origin}) are refused`);
  const given = Buffer.from(String(request.headers.authorization ?? ''));
  const expected = Buffer.from(`Bearer ${token}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AuthenticationError(401, 'Unauthorized', "the request lacks the environment's token (the CLI reads it from environment.json)");
  }
}

export interface ControlServer extends RunningServer {
  /** The bearer token every request must carry. */
  readonly token: string;
}

/**
 * The loopback API through which `mlops upload|predict|drift|status` talk to a running `mlops up`.
 * Errors come back as `{ "error": message }` with status 400 (401/403 when the caller is refused).
 */
export async function startControlServer(local: LocalMlops, port = 0, token = randomBytes(24).toString('hex')): Promise<ControlServer> {
  const routes: Record<string, (body: string) => Promise<unknown>> = {
    'GET /status': () => local.status(),
    'POST /wait': async () => (await local.idle(), local.status()),
    'POST /predict': (body) => predict(local, body),
    'GET /runs': async () => local.runReports(),
    'POST /run': async (body) => local.runReport(String((JSON.parse(body || '{}') as { name?: string }).name ?? '')),
    'POST /stop': async (body) => local.stopRun(String((JSON.parse(body || '{}') as { name?: string }).name ?? '')),
    'POST /drift': async (body) => {
      const { windowEnd } = JSON.parse(body || '{}') as { windowEnd?: string };
      const { result, transitions, reportFile } = await local.checkDrift(windowEnd ? new Date(windowEnd) : undefined);
      return { result, reportFile, transitions: transitions.map((t) => ({ alarm: t.alarm.alarmName, from: t.from, to: t.to, reason: t.reason })) };
    },
  };
  const server = createServer((request, response) => {
    void (async () => {
      try {
        checkCaller(request, (server.address() as AddressInfo).port, token);
        const route = routes[`${request.method} ${request.url}`];
        if (!route) throw new Error(`unknown request ${request.method} ${request.url}`);
        const result = await route(await readBody(request));
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(result));
      } catch (err) {
        response.writeHead(err instanceof AuthenticationError ? err.status : 400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: (err as Error).message }));
      }
    })();
  });
  return { ...(await listenOnLoopback(server, port, 'control API')), token };
}
