import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ListObjectsV2Command, PutObjectCommand, type StorageClass, type ServerSideEncryption } from '@aws-sdk/client-s3';
import { s3OperationOf, s3RequestProblems } from '../../../lib/local/aws-models/s3-requests';
import { requiredServiceModels } from '../../../lib/local/aws-models/service-requests';
import { s3ClientOf } from '../../helpers/local-s3-client';
import { startLocalS3, type LocalS3 } from '../../../lib/local/services/s3';

/** The local S3 holds each request's headers and query parameters to S3's published model (botocore's). */
const model = requiredServiceModels().model('s3');
let checked: LocalS3;
let unchecked: LocalS3;

beforeAll(async () => {
  checked = await startLocalS3({ buckets: ['data'], requestProblems: (request) => s3RequestProblems(model, request) });
  unchecked = await startLocalS3({ buckets: ['data'] });
});
afterAll(async () => {
  await checked.close();
  await unchecked.close();
});

test.each([
  ['PUT', '/data/k', {}, {}, 'PutObject'],
  ['PUT', '/data/k', { partNumber: '1', uploadId: 'u' }, {}, 'UploadPart'],
  ['PUT', '/data/k', {}, { 'x-amz-copy-source': '/data/j' }, 'CopyObject'],
  ['GET', '/data', { 'list-type': '2' }, {}, 'ListObjectsV2'],
  ['GET', '/data', {}, {}, 'ListObjects'],
  ['GET', '/data', { versions: '' }, {}, 'ListObjectVersions'],
  ['POST', '/data/k', { uploads: '' }, {}, 'CreateMultipartUpload'],
  ['POST', '/data/k', { uploadId: 'u' }, {}, 'CompleteMultipartUpload'],
  ['DELETE', '/data/k', { uploadId: 'u' }, {}, 'AbortMultipartUpload'],
  ['PUT', '/data', { versioning: '' }, {}, 'PutBucketVersioning'],
])('GIVEN %s %s with query %j and headers %j THEN it is S3 operation %s', (method, path, query, headers, operation) => {
  expect(s3OperationOf(model, { method, path, query, headers })?.name).toBe(operation);
});

test('GIVEN a storage class S3 lacks THEN PutObject is refused with InvalidStorageClass and nothing is stored', async () => {
  const s3 = s3ClientOf(checked);
  const put = () => s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'k.csv', Body: 'x', StorageClass: 'FAST' as StorageClass }));
  await expect(put()).rejects.toMatchObject({
    name: 'InvalidStorageClass',
    message: 'The storage class you specified is not valid',
    $metadata: { httpStatusCode: 400 },
  });
  expect((await s3.send(new ListObjectsV2Command({ Bucket: 'data' }))).KeyCount).toBe(0);
  s3.destroy();
});

test('GIVEN an encryption S3 lacks, or max-keys that is not an integer THEN InvalidArgument names the argument; valid values pass', async () => {
  const s3 = s3ClientOf(checked);
  await expect(
    s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'e.csv', Body: 'x', ServerSideEncryption: 'kms' as ServerSideEncryption })),
  ).rejects.toMatchObject({
    name: 'InvalidArgument',
    message: expect.stringContaining("x-amz-server-side-encryption 'kms' of PutObject: must be one of AES256, aws:fsx, aws:kms, aws:kms:dsse"),
  });
  await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'e.csv', Body: 'x', ServerSideEncryption: 'AES256', StorageClass: 'STANDARD' }));
  // The control: s3rver alone stores an object under an encryption S3 does not have.
  const control = s3ClientOf(unchecked);
  await control.send(new PutObjectCommand({ Bucket: 'data', Key: 'e.csv', Body: 'x', ServerSideEncryption: 'kms' as ServerSideEncryption }));
  expect((await control.send(new ListObjectsV2Command({ Bucket: 'data' }))).KeyCount).toBe(1);
  control.destroy();
  // The SDK serializes a number; the query is rewritten before signing, as a hand-made request would send it.
  const list = new ListObjectsV2Command({ Bucket: 'data', MaxKeys: 5 });
  list.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { query: Record<string, string> }).query['max-keys'] = 'five';
      return next(args);
    },
    { step: 'build' },
  );
  await expect(s3.send(list)).rejects.toMatchObject({
    name: 'InvalidArgument',
    message: expect.stringContaining("max-keys 'five' of ListObjectsV2: must be an integer"),
  });
  expect((await s3.send(new ListObjectsV2Command({ Bucket: 'data', MaxKeys: 5 }))).KeyCount).toBe(1);
  s3.destroy();
});

test('GIVEN aws-cli, an independent client (botocore leaves enums to the service) THEN the twin refuses its storage class as S3 does', async () => {
  const run = promisify(execFile)(
    'aws',
    ['s3api', 'put-object', '--endpoint-url', checked.endpoint, '--region', 'us-east-1', '--bucket', 'data', '--key', 'cli.csv', '--storage-class', 'FAST'],
    {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: checked.clientEnv.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: checked.clientEnv.AWS_SECRET_ACCESS_KEY,
        AWS_PAGER: '',
      },
    },
  );
  await expect(run).rejects.toMatchObject({
    stderr: expect.stringContaining('(InvalidStorageClass) when calling the PutObject operation: The storage class you specified is not valid'),
  });
}, 30_000);
