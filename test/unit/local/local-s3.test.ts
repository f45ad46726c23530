import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { s3ClientOf } from '../../helpers/local-s3-client';
import { startLocalS3, type LocalS3 } from '../../../lib/local/services/s3';

/** The local S3 (s3rver with patches/s3rver+3.7.1.patch): keys stay inside their bucket, listings page in S3's order. */
let s3server: LocalS3;
let s3: S3Client;
const root = mkdtempSync(path.join(tmpdir(), 'mlops-s3-test-'));
const directory = path.join(root, 'state');

beforeAll(async () => {
  s3server = await startLocalS3({ buckets: ['data'], directory });
  s3 = s3ClientOf(s3server);
});
afterAll(async () => {
  s3.destroy();
  await s3server.close();
});

const put = (Key: string, Body = Key) => s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body }));
const get = async (Key: string) => (await s3.send(new GetObjectCommand({ Bucket: 'data', Key }))).Body!.transformToString();
const listAll = async (Prefix = '', Delimiter?: string, MaxKeys?: number) => {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: MaxKeys }, { Bucket: 'data', Prefix, Delimiter })) {
    keys.push(...(page.Contents ?? []).map((o) => o.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
  }
  return keys;
};

describe('keys that look like paths', () => {
  const keys = ['raw/../../../escaped.csv', '/absolute/key.csv', '%2E%2E/encoded.csv', 'raw/ünïcødé/çsv.csv', 'a//b', 'a/b', 'raw/./dot', '50%/x'];

  test('GIVEN keys with "..", a leading "/", encoded dots, unicode, empty and "." segments THEN each is stored inside its bucket, read back by its exact key, and listed as itself', async () => {
    for (const key of keys) await put(key);
    for (const key of keys) expect(await get(key)).toBe(key);
    expect((await listAll()).sort()).toEqual([...keys].sort());
    // Nothing was written beside the state directory (where "raw/../../../escaped.csv" pointed).
    expect(readdirSync(root)).toEqual(['state']);
    expect(existsSync(path.join(directory, 'escaped.csv._S3rver_object'))).toBe(false);
  });

  test('GIVEN such keys are deleted THEN directories outside the bucket are untouched (the control: an empty one where ".." pointed)', async () => {
    const outside = path.join(directory, 'data-outside');
    mkdirSync(outside);
    await put('x/../../data-outside/y');
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'x/../../data-outside/y' }));
    expect(existsSync(outside)).toBe(true);
    for (const key of keys) await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: key }));
    expect(await listAll()).toEqual([]);
  });
});

describe('listing', () => {
  test('GIVEN 2,501 keys THEN the paginator reads every one in S3 order, 1,000 per page (past the first page, which used to answer HTTP 500)', async () => {
    const keys = Array.from({ length: 2501 }, (_, i) => `capture/part-${String(i).padStart(5, '0')}.jsonl`);
    for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((key) => put(key, 'x')));
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'capture/' }));
    expect(first.KeyCount).toBe(1000);
    expect(first.IsTruncated).toBe(true);
    expect(await listAll('capture/')).toEqual(keys);
  });

  test("GIVEN keys whose directory order is not S3's THEN pages of one key return them in byte order, none lost", async () => {
    // UTF-8 bytes: "z" (7A) sorts before "é" (C3 A9).
    const keys = ['order/a', 'order/a-b', 'order/a/x', 'order/b', 'order/z', 'order/é'];
    for (const key of [...keys].reverse()) await put(key);
    expect(await listAll('order/', undefined, 1)).toEqual(keys);
  });

  test('GIVEN a delimiter THEN common prefixes count toward MaxKeys and a page ending on one resumes after all its keys', async () => {
    for (const key of ['tree/a/1', 'tree/a/2', 'tree/b', 'tree/c/1', 'tree/d']) await put(key);
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'tree/', Delimiter: '/', MaxKeys: 2 }));
    expect(page.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['tree/a/']);
    expect(page.Contents?.map((o) => o.Key)).toEqual(['tree/b']);
    expect(page.IsTruncated).toBe(true);
    expect(await listAll('tree/', '/', 1)).toEqual(['tree/a/', 'tree/b', 'tree/c/', 'tree/d']);
  });
});

describe('conditional reads', () => {
  test('GIVEN If-Match, If-None-Match, If-Unmodified-Since and If-Modified-Since THEN GetObject answers as S3 does: 412, 304, or the object, If-Match deciding over the date', async () => {
    const { ETag } = await put('cond/a.csv', 'a\n1\n');
    const read = (conditions: Partial<ConstructorParameters<typeof GetObjectCommand>[0]>) =>
      s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'cond/a.csv', ...conditions })).then(
        async (r) => `200 ${await r.Body!.transformToString()}`,
        (err: { name: string; $metadata?: { httpStatusCode?: number } }) => `${err.$metadata?.httpStatusCode} ${err.name}`,
      );
    const past = new Date(Date.now() - 3_600_000);
    const future = new Date(Date.now() + 3_600_000);
    expect(await read({ IfMatch: ETag })).toBe('200 a\n1\n');
    expect(await read({ IfMatch: '"0123456789abcdef0123456789abcdef"' })).toBe('412 PreconditionFailed');
    expect(await read({ IfUnmodifiedSince: past })).toBe('412 PreconditionFailed');
    expect(await read({ IfMatch: ETag, IfUnmodifiedSince: past })).toBe('200 a\n1\n');
    expect(await read({ IfNoneMatch: ETag })).toMatch(/^304 /);
    expect(await read({ IfNoneMatch: '"other"' })).toBe('200 a\n1\n');
    expect(await read({ IfModifiedSince: future })).toMatch(/^304 /);
    expect(await read({ IfModifiedSince: past })).toBe('200 a\n1\n');
  });
});

describe('multipart uploads', () => {
  const MiB = 1024 * 1024;
  const start = async (Key: string) => (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key }))).UploadId!;
  const part = async (Key: string, UploadId: string, PartNumber: number, Body: Buffer) => ({
    PartNumber,
    ETag: (await s3.send(new UploadPartCommand({ Bucket: 'data', Key, UploadId, PartNumber, Body }))).ETag!,
  });
  const complete = (Key: string, UploadId: string, Parts: { PartNumber: number; ETag: string }[]) =>
    s3.send(new CompleteMultipartUploadCommand({ Bucket: 'data', Key, UploadId, MultipartUpload: { Parts } }));
  const bodies = [Buffer.alloc(5 * MiB, 'a'), Buffer.alloc(5 * MiB, 'b'), Buffer.from('tail')];

  test("GIVEN three parts THEN the object's ETag is S3's multipart ETag (MD5 of the parts' MD5s, then -3), not the body's MD5, and the body is whole", async () => {
    const UploadId = await start('mp/whole.bin');
    const parts = [];
    for (let i = 0; i < bodies.length; i++) parts.push(await part('mp/whole.bin', UploadId, i + 1, bodies[i]));
    const md5 = (b: Buffer) => createHash('md5').update(b).digest();
    const expected = `"${createHash('md5')
      .update(Buffer.concat(bodies.map(md5)))
      .digest('hex')}-3"`;
    expect((await complete('mp/whole.bin', UploadId, parts)).ETag).toBe(expected);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'mp/whole.bin' }))).ETag).toBe(expected);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'mp/whole.bin' }))).ContentLength).toBe(10 * MiB + 4);
  });

  test('GIVEN a parts list out of order, with a wrong ETag, or with a part under 5 MiB before the last THEN CompleteMultipartUpload is refused as S3 refuses it', async () => {
    const UploadId = await start('mp/refused.bin');
    const [p1, p2, p3] = [
      await part('mp/refused.bin', UploadId, 1, bodies[0]),
      await part('mp/refused.bin', UploadId, 2, bodies[1]),
      await part('mp/refused.bin', UploadId, 3, bodies[2]),
    ];
    await expect(complete('mp/refused.bin', UploadId, [p2, p1, p3])).rejects.toMatchObject({ name: 'InvalidPartOrder' });
    await expect(complete('mp/refused.bin', UploadId, [p1, { ...p2, ETag: p1.ETag }, p3])).rejects.toMatchObject({ name: 'InvalidPart' });
    await expect(complete('mp/refused.bin', UploadId, [p1, { PartNumber: 4, ETag: p3.ETag }])).rejects.toMatchObject({ name: 'InvalidPart' });
    const small = await start('mp/small.bin');
    const tiny = [await part('mp/small.bin', small, 1, Buffer.from('tiny')), await part('mp/small.bin', small, 2, bodies[2])];
    await expect(complete('mp/small.bin', small, tiny)).rejects.toMatchObject({ name: 'EntityTooSmall' });
    // The control: the right list completes.
    expect((await complete('mp/refused.bin', UploadId, [p1, p2, p3])).ETag).toMatch(/-3"$/);
  });
});

describe('conditional writes', () => {
  const putIf = (Key: string, Body: string, conditions: { IfNoneMatch?: string; IfMatch?: string }) =>
    s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body, ...conditions }));

  test('GIVEN If-None-Match: * THEN the first PUT creates the key and the next is refused with 412, the object unchanged', async () => {
    await putIf('cond/create-once', 'first', { IfNoneMatch: '*' });
    await expect(putIf('cond/create-once', 'second', { IfNoneMatch: '*' })).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect(await get('cond/create-once')).toBe('first');
    // S3 takes only "*" there on a write.
    await expect(putIf('cond/create-once', 'x', { IfNoneMatch: '"abc"' })).rejects.toMatchObject({ name: 'NotImplemented' });
  });

  test('GIVEN If-Match THEN a PUT replaces the object only while its ETag is the one given; a missing key is NoSuchKey', async () => {
    const { ETag } = await put('cond/swap', 'v1');
    const second = await putIf('cond/swap', 'v2', { IfMatch: ETag });
    await expect(putIf('cond/swap', 'v3', { IfMatch: ETag })).rejects.toMatchObject({ name: 'PreconditionFailed' });
    expect(await get('cond/swap')).toBe('v2');
    await putIf('cond/swap', 'v3', { IfMatch: second.ETag });
    expect(await get('cond/swap')).toBe('v3');
    await expect(putIf('cond/absent', 'x', { IfMatch: ETag })).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  test('GIVEN two PUTs racing with If-None-Match: * THEN exactly one creates the key', async () => {
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((body) => putIf('cond/race', body, { IfNoneMatch: '*' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.name)).toEqual([
      'PreconditionFailed',
      'PreconditionFailed',
      'PreconditionFailed',
    ]);
  });

  test('GIVEN CompleteMultipartUpload with If-None-Match: * on an existing key THEN it is refused with 412', async () => {
    await put('cond/multipart', 'existing');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'cond/multipart' }));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: 'data', Key: 'cond/multipart', UploadId, PartNumber: 1, Body: 'part' }));
    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'data',
          Key: 'cond/multipart',
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'PreconditionFailed' });
    expect(await get('cond/multipart')).toBe('existing');
  });
});
