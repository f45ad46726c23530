import { request } from 'node:http';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import binaryModel from '../../fixtures/xgboost/binary-model.json';
import regressionModel from '../../fixtures/xgboost/regression-model.json';
import cases from '../../fixtures/xgboost/cases.json';
import { parseCaptureLine } from '../../../lambdas/core/drift/capture';
import { XgboostModel, type XgboostJsonModel } from '../../../lib/local/trainer/xgboost-model';
import { LocalEndpoints } from '../../../lib/local/services/sagemaker/endpoint';
import { startLocalS3, type LocalS3 } from '../../../lib/local/services/s3';

const binary = new XgboostModel(binaryModel as unknown as XgboostJsonModel);
const regression = new XgboostModel(regressionModel as unknown as XgboostJsonModel);
const csv = (rows: (number | null)[][]) => rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(',')).join('\n');

let localS3: LocalS3;
let s3: S3Client;
let endpoints: LocalEndpoints;
let runtime: SageMakerRuntimeClient;
let endpointUrl: string;

beforeAll(async () => {
  localS3 = await startLocalS3({ buckets: ['capture'] });
  s3 = new S3Client({
    endpoint: localS3.endpoint,
    region: 'us-east-1',
    credentials: localS3.credentials,
    forcePathStyle: true,
  });
  endpoints = new LocalEndpoints();
  endpoints.clock = () => new Date('2026-11-26T09:30:00Z');
  endpointUrl = await endpoints.start(0, { credentials: localS3.credentials, region: 'us-east-1' });
  runtime = new SageMakerRuntimeClient({ endpoint: endpointUrl, region: 'us-east-1', credentials: localS3.credentials });
});
afterAll(async () => {
  await endpoints.stop();
  runtime.destroy();
  s3.destroy();
  await localS3.close();
});

async function invoke(endpointName: string, body: string): Promise<string> {
  const response = await runtime.send(new InvokeEndpointCommand({ EndpointName: endpointName, ContentType: 'text/csv', Body: new TextEncoder().encode(body) }));
  return new TextDecoder().decode(response.Body);
}

describe('local SageMaker Runtime endpoint', () => {
  test('GIVEN a deployed model WHEN the real SDK invokes it with CSV rows THEN it answers one prediction per row, joined by commas as the container does', async () => {
    endpoints.deploy('churn-endpoint', binary, { capture: { s3, bucket: 'capture', prefix: 'capture/', samplingPercent: 100 } });
    const answer = await invoke('churn-endpoint', csv(cases.rows.slice(0, 5)));
    expect(answer).not.toContain('\n');
    const predictions = answer.split(',').map(Number);
    expect(predictions).toHaveLength(5);
    predictions.forEach((p, i) => expect(p).toBeCloseTo(cases.binary[i], 6));
  });

  test('GIVEN a 5 MB request THEN an instance endpoint scores it and a serverless one refuses it (4 MB, SageMaker serverless limit); above 6 MB both refuse', async () => {
    const row = csv(cases.rows.slice(0, 1));
    const rowsOf = (bytes: number) => Array.from({ length: Math.ceil(bytes / (row.length + 1)) }, () => row).join('\n');
    const fiveMb = rowsOf(5 * 1024 * 1024);
    endpoints.deploy('instance-endpoint', binary);
    endpoints.deploy('serverless-endpoint', binary, { serverless: true });
    expect((await invoke('instance-endpoint', fiveMb)).split(',')).toHaveLength(fiveMb.split('\n').length);
    await expect(invoke('serverless-endpoint', fiveMb)).rejects.toMatchObject({ name: 'ValidationError', message: 'Request payload exceeds 4194304 bytes' });
    await expect(invoke('instance-endpoint', rowsOf(6 * 1024 * 1024 + 100))).rejects.toMatchObject({ message: 'Request payload exceeds 6291456 bytes' });
  }, 60_000);

  test("GIVEN captured traffic WHEN flushed THEN S3 holds it in SageMaker's format and key layout", async () => {
    await invoke('churn-endpoint', csv(cases.rows.slice(10, 12)));
    await endpoints.flushCapture();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'capture', Prefix: 'capture/churn-endpoint/AllTraffic/2026/11/26/09/' }));
    expect(listed.Contents).toHaveLength(1);
    expect(listed.Contents![0].Key).toMatch(/\.jsonl$/);
    const text = await (await s3.send(new GetObjectCommand({ Bucket: 'capture', Key: listed.Contents![0].Key! }))).Body!.transformToString();
    const records = text
      .trimEnd()
      .split('\n')
      .map((line) => ({ line: JSON.parse(line), parsed: parseCaptureLine(line) }));
    expect(records).toHaveLength(2);
    expect(records[0].line).toMatchObject({
      captureData: { endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', encoding: 'CSV' }, endpointOutput: { mode: 'OUTPUT', encoding: 'CSV' } },
      eventMetadata: { inferenceTime: '2026-11-26T09:30:00Z' },
      eventVersion: '0',
    });
    expect(records[1].parsed.rows).toHaveLength(2);
    expect(records[1].parsed.predictions[1]).toBeCloseTo(cases.binary[11], 6);
  });

  test('GIVEN a request in flight WHEN the model is swapped THEN it finishes on the model it started with', async () => {
    // A raw request written in two parts: on an endpoint that takes unsigned requests (signatures are tested with the SDK).
    const unsigned = new LocalEndpoints();
    const unsignedUrl = await unsigned.start();
    unsigned.deploy('swap-endpoint', regression);
    const row = csv([cases.rows[0]]);
    const answer = new Promise<string>((resolve, reject) => {
      const req = request(`${unsignedUrl}/endpoints/swap-endpoint/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.write(row.slice(0, 5));
      setTimeout(() => {
        unsigned.deploy('swap-endpoint', binary);
        req.end(row.slice(5));
      }, 50);
    });
    expect(Number(await answer)).toBeCloseTo(cases.regression[0], 5);
    endpoints.deploy('swap-endpoint', binary);
    expect(Number(await invoke('swap-endpoint', row))).toBeCloseTo(cases.binary[0], 6);
    await unsigned.stop();
  });

  test('GIVEN an unsigned request or one signed with another key THEN the endpoint refuses it as SageMaker Runtime does', async () => {
    endpoints.deploy('churn-endpoint', binary);
    const response = await fetch(`${endpointUrl}/endpoints/churn-endpoint/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: '1,2,3,4',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const foreign = new SageMakerRuntimeClient({
      endpoint: endpointUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await expect(foreign.send(new InvokeEndpointCommand({ EndpointName: 'churn-endpoint', ContentType: 'text/csv', Body: '1,2,3,4' }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    foreign.destroy();
  });

  test.each([
    ['an unknown endpoint', 'nope', '1,2,3,4', /Endpoint nope of account 000000000000 not found/],
    ['a row with the wrong number of fields', 'churn-endpoint', '1,2,3', /row 1 has 3 fields, the model expects 4/],
    ['a value that is not a number', 'churn-endpoint', '1,x,3,4', /row 1, field 2: "x" is not a number/],
  ])('GIVEN %s THEN the SDK gets a clear error', async (_case, endpoint, body, message) => {
    await expect(invoke(endpoint, body)).rejects.toThrow(message);
  });
});
