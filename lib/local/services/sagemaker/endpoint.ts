import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { captureObjectKey, formatCaptureRecord } from '../../../../lambdas/core/drift/capture';
import { formatXgboostOutput } from '../../../../lambdas/core/xgboost-output';
import type { XgboostModel } from '../../trainer/xgboost-model';
import type { AddressInfo } from 'node:net';
import { listenOnLoopback, type RunningServer } from '../json-rpc-server';
import { authenticate, AuthenticationError, checkHost, type ServiceAuth } from '../../auth/request-auth';
import { sha256Hex } from '../../auth/sigv4';

/**
 * The local stand-in for SageMaker Runtime: `POST /endpoints/{name}/invocations` with text/csv
 * rows of encoded features answers one prediction per row, in the built-in XGBoost container's
 * format (see lambdas/core/xgboost-output.ts), so the real @aws-sdk/client-sagemaker-runtime works against it. Captured requests are
 * written to S3 in SageMaker's data capture format and key layout.
 */

export interface CaptureTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  /** e.g. "capture/" */
  readonly prefix: string;
  readonly samplingPercent: number;
  /** Records per capture file. @default 1000 */
  readonly recordsPerFile?: number;
}

interface Deployment {
  readonly model: XgboostModel;
  readonly variant: string;
  readonly capture?: CaptureTarget;
  /** The largest request body the endpoint takes, in bytes. */
  readonly maxBodyBytes: number;
}

/** SageMaker's request payload limits: 6 MB for instance endpoints, 4 MB for serverless ones (its docs, "Invoke a serverless endpoint"). */
export const MAX_BODY_BYTES = { instances: 6 * 1024 * 1024, serverless: 4 * 1024 * 1024 } as const;

export class LocalEndpoints {
  private readonly deployments = new Map<string, Deployment>();
  private readonly pending = new Map<string, { lines: string[]; time: Date }>();
  private server?: RunningServer;
  private writes: Promise<unknown>[] = [];
  /** Time of inference as the capture records it (tests and the demo move it). */
  clock: () => Date = () => new Date();

  /**
   * Serves `model` on `endpointName`. Requests already being answered finish on the model they
   * started with; new ones get this one (the swap is a single reference update).
   */
  deploy(endpointName: string, model: XgboostModel, options: { variant?: string; capture?: CaptureTarget; serverless?: boolean } = {}): void {
    this.deployments.set(endpointName, {
      model,
      variant: options.variant ?? 'AllTraffic',
      capture: options.capture,
      maxBodyBytes: options.serverless ? MAX_BODY_BYTES.serverless : MAX_BODY_BYTES.instances,
    });
  }

  has(endpointName: string): boolean {
    return this.deployments.has(endpointName);
  }

  /** Listens on loopback; with `auth`, every request must be signed with the environment's key and name this server as Host. */
  async start(port = 0, auth?: ServiceAuth): Promise<string> {
    const server = createServer((request, response) => {
      const reply = (status: number, contentType: string, body: string) => {
        response.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': randomUUID(), 'x-amzn-invoked-production-variant': 'AllTraffic' });
        response.end(body);
      };
      const error = (status: number, type: string, message: string) => {
        response.setHeader('x-amzn-errortype', type);
        reply(status, 'application/json', JSON.stringify({ message, ErrorCode: type }));
      };
      const match = /^\/endpoints\/([^/]+)\/invocations$/.exec(request.url ?? '');
      if (request.method !== 'POST' || !match) return error(404, 'UnknownOperationException', `${request.method} ${request.url} is not InvokeEndpoint`);
      const endpointName = decodeURIComponent(match[1]);
      // Take the deployment now: a swap during the request does not affect it.
      const deployment = this.deployments.get(endpointName);
      if (!deployment) return error(400, 'ValidationError', `Endpoint ${endpointName} of account 000000000000 not found.`);
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= deployment.maxBodyBytes) chunks.push(chunk);
      });
      request.on('end', () => {
        if (size > deployment.maxBodyBytes) return error(413, 'ValidationError', `Request payload exceeds ${deployment.maxBodyBytes} bytes`);
        if (auth) {
          try {
            checkHost(request.headers, (server.address() as AddressInfo).port);
            const signed = { method: request.method ?? '', url: request.url ?? '', headers: request.headers };
            authenticate(signed, auth, { signingName: 'sagemaker', family: 'json', payloadHash: sha256Hex(Buffer.concat(chunks)) });
          } catch (err) {
            if (err instanceof AuthenticationError) return error(err.status, err.code, err.message);
            throw err;
          }
        }
        const contentType = String(request.headers['content-type'] ?? '');
        if (!contentType.startsWith('text/csv')) return error(415, 'ModelError', `content type "${contentType}" is not supported: send text/csv`);
        const body = Buffer.concat(chunks).toString('utf8');
        let output: string;
        try {
          output = this.predict(deployment.model, body);
        } catch (err) {
          return error(424, 'ModelError', (err as Error).message);
        }
        this.capture(endpointName, deployment, body, output);
        reply(200, 'text/csv; charset=utf-8', output);
      });
    });
    this.server = await listenOnLoopback(server, port, 'local endpoint');
    return this.server.endpoint;
  }

  /**
   * One prediction per CSV row of encoded features (empty fields are missing values), written as
   * the built-in container writes them: a number per row, or a [p0, p1, ...] list per row for
   * multi:softprob, rows joined by commas.
   */
  private predict(model: XgboostModel, body: string): string {
    const rows = body
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim() !== '');
    if (rows.length === 0) throw new Error('the request has no rows');
    const outputs = rows.map((line, i) => {
      const fields = line.split(',');
      if (fields.length !== model.featureCount) throw new Error(`row ${i + 1} has ${fields.length} fields, the model expects ${model.featureCount}`);
      const values = fields.map((f, j) => {
        const text = f.trim();
        if (text === '') return Number.NaN;
        const value = Number(text);
        if (!Number.isFinite(value)) throw new Error(`row ${i + 1}, field ${j + 1}: "${text}" is not a number`);
        return value;
      });
      return model.probabilities(values);
    });
    return formatXgboostOutput(outputs, model.classCount > 1);
  }

  private capture(endpointName: string, deployment: Deployment, input: string, output: string): void {
    const target = deployment.capture;
    if (!target || Math.random() * 100 >= target.samplingPercent) return;
    const key = `${endpointName}/${deployment.variant}`;
    const time = this.clock();
    const batch = this.pending.get(key) ?? { lines: [], time };
    batch.lines.push(formatCaptureRecord(input.replace(/\n$/, ''), output, randomUUID(), time));
    this.pending.set(key, batch);
    if (batch.lines.length >= (target.recordsPerFile ?? 1000)) this.flushOne(endpointName, deployment, key);
  }

  private flushOne(endpointName: string, deployment: Deployment, key: string): void {
    const batch = this.pending.get(key);
    const target = deployment.capture;
    if (!batch || batch.lines.length === 0 || !target) return;
    this.pending.delete(key);
    const objectKey = captureObjectKey(
      target.prefix,
      endpointName,
      deployment.variant,
      batch.time,
      `${batch.time.toISOString().replace(/[:.]/g, '-')}-${randomUUID()}`,
    );
    this.writes.push(
      target.s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: objectKey, Body: `${batch.lines.join('\n')}\n`, ContentType: 'application/jsonl' })),
    );
  }

  /** Writes every buffered capture record to S3 (SageMaker writes files every few minutes). */
  async flushCapture(): Promise<void> {
    for (const [key] of this.pending) {
      const endpointName = key.split('/')[0];
      const deployment = this.deployments.get(endpointName);
      if (deployment) this.flushOne(endpointName, deployment, key);
    }
    const writes = this.writes;
    this.writes = [];
    await Promise.all(writes);
  }

  async stop(): Promise<void> {
    await this.flushCapture();
    await this.server?.close();
  }
}
