import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateMultipartUploadCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { HttpRequest } from '@smithy/types';
import { newLocalCredentials, verifySignature } from '../../../lib/local/auth/sigv4';
import { CALLER_HEADER, runAsRole } from '../../../lib/local/iam/caller-context';
import type { RequestAuthorizer, RunningServer } from '../../../lib/local/services/json-rpc-server';
import { startLocalS3, type LocalS3 } from '../../../lib/local/services/s3';
import { LocalParameterStore } from '../../../lib/local/services/ssm';

/**
 * Every local service checks who is asking, as AWS does: Signature Version 4 with the
 * environment's key pair (unsigned, tampered and foreign-key requests refused in the service's
 * error shape), the Host header, and a role claim only the runtime itself can make. The controls
 * are real clients: the AWS SDK, and aws-cli/boto3 (an independent SigV4 implementation).
 */
const run = promisify(execFile);
let localS3: LocalS3;
let ssmServer: RunningServer;
const roles: (string | undefined)[] = [];
const recordRole: RequestAuthorizer = async ({ role }) => void roles.push(role);

beforeAll(async () => {
  localS3 = await startLocalS3({ buckets: ['data'], authorize: async (role) => void roles.push(role) });
  ssmServer = await new LocalParameterStore().start(0, recordRole, { credentials: localS3.credentials, region: 'us-east-1' });
});
afterAll(async () => {
  await ssmServer.close();
  await localS3.close();
});

const s3Client = (credentials = localS3.credentials) => new S3Client({ endpoint: localS3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
const ssmClient = (credentials = localS3.credentials) => new SSMClient({ endpoint: ssmServer.endpoint, region: 'us-east-1', credentials });
/** Runs `change` on the request after the SDK signed it (the deserialize step comes after signing). */
type Next = (args: { request: unknown }) => Promise<unknown>;
function tamper<C extends S3Client | SSMClient>(client: C, change: (request: HttpRequest) => void): C {
  const stack = client.middlewareStack as unknown as { add(middleware: (next: Next) => Next, options: { step: 'deserialize' }): void };
  stack.add(
    (next) => async (args) => {
      change(args.request as HttpRequest);
      return next(args);
    },
    { step: 'deserialize' },
  );
  return client;
}
const errorOf = async (work: Promise<unknown>) => {
  try {
    await work;
    return 'accepted';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
};

describe('the local S3', () => {
  test('GIVEN requests signed with the environment key THEN they are served (the control)', async () => {
    const s3 = s3Client();
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'raw/a.csv', Body: 'a\n1\n' }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'raw/a.csv' }))).Body!.transformToString()).toBe('a\n1\n');
    s3.destroy();
  });

  test.each([
    ['GET', '/data/raw/a.csv'],
    ['GET', '/data?list-type=2'],
    ['PUT', '/data/raw/unsigned.csv'],
    ['DELETE', '/data/raw/a.csv'],
  ])('GIVEN an unsigned %s %s THEN S3 answers 403 AccessDenied', async (method, target) => {
    const response = await fetch(`${localS3.endpoint}${target}`, { method, body: method === 'PUT' ? 'x' : undefined });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
  });

  test('GIVEN an unsigned browser-form POST THEN it is refused and nothing is stored', async () => {
    const form = new FormData();
    form.append('key', 'raw/form.csv');
    form.append('file', new Blob(['x']));
    const response = await fetch(`${localS3.endpoint}/data`, { method: 'POST', body: form });
    expect(response.status).toBe(403);
    const s3 = s3Client();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'raw/form' }));
    expect(listed.KeyCount).toBe(0);
    s3.destroy();
  });

  test('GIVEN a tampered request, a wrong secret, a foreign key or a wrong Host THEN each is refused with S3 error code', async () => {
    const put = (client: S3Client) => client.send(new PutObjectCommand({ Bucket: 'data', Key: 'raw/b.csv', Body: 'b' }));
    expect(await errorOf(put(tamper(s3Client(), (r) => (r.path = '/data/raw/other.csv'))))).toMatch(
      /^SignatureDoesNotMatch: The request signature we calculated/,
    );
    expect(await errorOf(put(s3Client({ ...localS3.credentials, secretAccessKey: 'wrong' })))).toMatch(/^SignatureDoesNotMatch/);
    expect(await errorOf(put(s3Client({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })))).toMatch(/^InvalidAccessKeyId/);
    expect(await errorOf(put(tamper(s3Client(), (r) => (r.headers.host = 'attacker.example'))))).toMatch(
      /^InvalidHost: Host "attacker.example" is not this local server/,
    );
  });

  test('GIVEN aws-cli (botocore signs it) THEN upload and listing pass the same check, and a wrong secret fails it', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mlops-cli-')), 'c.csv');
    writeFileSync(file, 'c\n3\n');
    const env = { ...process.env, ...localS3.clientEnv, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    // Asynchronously: the server answering the CLI runs in this process.
    const aws = async (extra: Record<string, string>, ...args: string[]) =>
      (await run('aws', ['--endpoint-url', localS3.endpoint, ...args], { env: { ...env, ...extra }, encoding: 'utf8' })).stdout;
    await aws({}, 's3', 'cp', file, 's3://data/raw/c.csv');
    expect(await aws({}, 's3', 'ls', 's3://data/raw/')).toContain('c.csv');
    await expect(aws({ AWS_SECRET_ACCESS_KEY: 'wrong' }, 's3', 'ls', 's3://data/')).rejects.toThrow(/SignatureDoesNotMatch/);
  });
});

describe('the local JSON services (SSM here; all share the server)', () => {
  test('GIVEN a signed put THEN it is served, and the parameter reads back (the control)', async () => {
    const ssm = ssmClient();
    await ssm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Type: 'String', Overwrite: true }));
    expect((await ssm.send(new GetParameterCommand({ Name: '/p' }))).Parameter?.Value).toBe('v');
    ssm.destroy();
  });

  test('GIVEN an unsigned write to the deployed-model pointer THEN it is refused as AWS refuses it, and the value is unchanged', async () => {
    const response = await fetch(ssmServer.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.PutParameter' },
      body: JSON.stringify({ Name: '/p', Value: 'pwned', Type: 'String', Overwrite: true }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    const ssm = ssmClient();
    expect((await ssm.send(new GetParameterCommand({ Name: '/p' }))).Parameter?.Value).toBe('v');
    ssm.destroy();
  });

  test('GIVEN a body changed after signing, a foreign key or a stale signature THEN each is refused', async () => {
    const put = (client: SSMClient) => client.send(new PutParameterCommand({ Name: '/p', Value: 'v2', Type: 'String', Overwrite: true }));
    const changedBody = tamper(
      ssmClient(),
      (r) => (r.body = (typeof r.body === 'string' ? r.body : new TextDecoder().decode(r.body as Uint8Array)).replace('v2', 'v3')),
    );
    expect(await errorOf(put(changedBody))).toMatch(/^InvalidSignatureException: The request signature we calculated does not match/);
    expect(await errorOf(put(ssmClient(newLocalCredentials())))).toBe('UnrecognizedClientException: The security token included in the request is invalid.');
    const stale = new SSMClient({ endpoint: ssmServer.endpoint, region: 'us-east-1', credentials: localS3.credentials, systemClockOffset: -20 * 60_000 });
    expect(await errorOf(put(stale))).toMatch(/^InvalidSignatureException: the request was signed at .*, more than 15 minutes from/);
  });

  test('GIVEN boto3 (an independent SigV4 implementation) THEN its signed call passes', async () => {
    const script = `import boto3; c = boto3.client("ssm", endpoint_url="${ssmServer.endpoint}", region_name="us-east-1", aws_access_key_id="${localS3.credentials.accessKeyId}", aws_secret_access_key="${localS3.credentials.secretAccessKey}"); print(c.get_parameter(Name="/p")["Parameter"]["Value"])`;
    expect((await run('python3', ['-c', script], { encoding: 'utf8' })).stdout.trim()).toBe('v');
  });
});

describe('role claims', () => {
  test("GIVEN a request made in the runtime's role context THEN the service sees the role; the same header from outside, or replayed onto another request, is refused", async () => {
    roles.length = 0;
    const ssm = ssmClient();
    await runAsRole('TriggerRole/trigger', () => ssm.send(new GetParameterCommand({ Name: '/p' })));
    expect(roles).toEqual(['TriggerRole/trigger']);
    // A process that knows the key pair but not the runtime's proof key claims a role: refused.
    const forged = tamper(ssmClient(), (r) => (r.headers[CALLER_HEADER] = 'TriggerRole/trigger'));
    expect(await errorOf(forged.send(new GetParameterCommand({ Name: '/p' })))).toMatch(
      /^AccessDenied: the request claims the role "TriggerRole\/trigger" without the local runtime's proof/,
    );
    // A proof copied from another request does not fit this request's signature.
    let proof = '';
    const capture = tamper(ssmClient(), (r) => void (proof = String(r.headers['x-mlops-local-role-proof'] ?? proof)));
    await runAsRole('TriggerRole/trigger', () => capture.send(new GetParameterCommand({ Name: '/p' })));
    const replayed = tamper(ssmClient(), (r) => Object.assign(r.headers, { [CALLER_HEADER]: 'TriggerRole/trigger', 'x-mlops-local-role-proof': proof }));
    expect(await errorOf(replayed.send(new GetParameterCommand({ Name: '/p' })))).toMatch(/^AccessDenied/);
    ssm.destroy();
  });
});

describe('the verifier itself', () => {
  test('GIVEN a signature of the AWS SigV4 test suite (get-vanilla) THEN it verifies, and one changed header fails', () => {
    // AWS's published example: AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, service "service", 2015-08-30T12:36:00Z.
    const request = {
      method: 'GET',
      url: '/',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
    };
    const options = {
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      service: 'service',
      region: 'us-east-1',
      payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      now: new Date('2015-08-30T12:36:00Z'),
    };
    expect(verifySignature(request, options)).toBe('AKIDEXAMPLE');
    expect(() => verifySignature({ ...request, headers: { ...request.headers, host: 'other.amazonaws.com' } }, options)).toThrow('does not match');
  });
});

describe('S3 payloads', () => {
  test('GIVEN a body changed after signing (the signed x-amz-content-sha256 no longer matches) THEN S3 refuses it and the stored object is unchanged', async () => {
    const s3 = s3Client();
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'raw/hashed.csv', Body: 'a\n1\n' }));
    const swapped = tamper(s3Client(), (r) => (r.body = 'a\n9\n'));
    expect(await errorOf(swapped.send(new PutObjectCommand({ Bucket: 'data', Key: 'raw/hashed.csv', Body: 'a\n2\n' })))).toBe(
      "XAmzContentSHA256Mismatch: The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'raw/hashed.csv' }))).Body!.transformToString()).toBe('a\n1\n');
    // The control: the same upload untouched is stored.
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'raw/hashed.csv', Body: 'a\n2\n' }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'raw/hashed.csv' }))).Body!.transformToString()).toBe('a\n2\n');
    s3.destroy();
    swapped.destroy();
  });

  test('GIVEN an UploadPart body changed after signing THEN S3 refuses the part (the control: the same part untouched is taken)', async () => {
    const s3 = s3Client();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'raw/parts.csv' }));
    const swapped = tamper(s3Client(), (r) => (r.body = 'tampered'));
    const part = { Bucket: 'data', Key: 'raw/parts.csv', UploadId, PartNumber: 1, Body: 'original' };
    expect(await errorOf(swapped.send(new UploadPartCommand(part)))).toBe(
      "XAmzContentSHA256Mismatch: The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
    expect((await s3.send(new UploadPartCommand(part))).ETag).toBe('"919c8b643b7133116b02fc0d9bb7df3f"');
    s3.destroy();
    swapped.destroy();
  });
});
