import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { s3ClientOf } from '../../helpers/local-s3-client';
import { startLocalS3, type LocalS3, type S3NotificationRecord } from '../../../lib/local/services/s3';

/** Versioning in the local S3, as the template's buckets have it (VersioningConfiguration Enabled). */
let server: LocalS3;
let s3: S3Client;
const created: S3NotificationRecord[] = [];
const root = mkdtempSync(path.join(tmpdir(), 'mlops-s3-versions-'));

beforeAll(async () => {
  server = await startLocalS3({
    buckets: ['versioned', 'plain'],
    versionedBuckets: ['versioned'],
    directory: path.join(root, 'state'),
    onObjectCreated: (record) => created.push(record),
  });
  s3 = s3ClientOf(server);
});
afterAll(async () => {
  s3.destroy();
  await server.close();
});

const Bucket = 'versioned';
const put = async (Key: string, Body: string, bucket = Bucket) => (await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }))).VersionId;
const read = async (Key: string, VersionId?: string) => (await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }))).Body!.transformToString();
const versions = async (Prefix: string) => {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix }));
  return {
    versions: (listed.Versions ?? []).map((v) => ({ key: v.Key, id: v.VersionId, latest: v.IsLatest })),
    markers: (listed.DeleteMarkers ?? []).map((m) => ({ key: m.Key, id: m.VersionId, latest: m.IsLatest })),
  };
};

test('GIVEN the template configured versioning THEN GetBucketVersioning answers Enabled for that bucket only, and Suspended is refused as not implemented', async () => {
  expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
  expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'plain' }))).Status).toBeUndefined();
  await expect(s3.send(new PutBucketVersioningCommand({ Bucket: 'plain', VersioningConfiguration: { Status: 'Suspended' } }))).rejects.toMatchObject({
    name: 'NotImplemented',
  });
});

test('GIVEN identical bytes put twice THEN each PUT is a new version with its own id and its own object-created event, every version readable by id', async () => {
  const first = await put('raw/same.csv', 'a,b\n1,2\n');
  const second = await put('raw/same.csv', 'a,b\n1,2\n');
  const third = await put('raw/same.csv', 'a,b\n3,4\n');
  expect(new Set([first, second, third]).size).toBe(3);
  expect(created.filter((r) => r.s3.object.key === 'raw/same.csv').map((r) => r.s3.object.versionId)).toEqual([first, second, third]);
  expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'raw/same.csv' }))).VersionId).toBe(third);
  expect(await read('raw/same.csv')).toBe('a,b\n3,4\n');
  expect(await read('raw/same.csv', first)).toBe('a,b\n1,2\n');
  expect((await versions('raw/same')).versions).toEqual([
    { key: 'raw/same.csv', id: third, latest: true },
    { key: 'raw/same.csv', id: second, latest: false },
    { key: 'raw/same.csv', id: first, latest: false },
  ]);
  // The current object and its newest version are one file (a hard link): versions cost no space.
  const current = statSync(path.join(root, 'state', Bucket, 'raw', 'same.csv._S3rver_object'));
  const newest = statSync(path.join(root, 'state', '.versions', Bucket, 'raw', 'same.csv._S3rver_versions', `${third}.object`));
  expect(newest.ino).toBe(current.ino);
  expect(current.nlink).toBe(2);
  // An unversioned bucket's PUT has no version id (the control), and its object is the "null" version.
  expect(await put('x', 'y', 'plain')).toBeUndefined();
  expect((await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'x', VersionId: 'null' }))).Body).toBeDefined();
});

test('GIVEN a delete without a version id THEN a delete marker hides the key, the old versions stay readable, and deleting the marker brings the object back', async () => {
  const kept = await put('raw/deleted.csv', 'kept');
  const deleted = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'raw/deleted.csv' }));
  expect(deleted.DeleteMarker).toBe(true);
  await expect(read('raw/deleted.csv')).rejects.toMatchObject({ name: 'NoSuchKey' });
  expect(await read('raw/deleted.csv', kept)).toBe('kept');
  expect(await versions('raw/deleted')).toEqual({
    versions: [{ key: 'raw/deleted.csv', id: kept, latest: false }],
    markers: [{ key: 'raw/deleted.csv', id: deleted.VersionId, latest: true }],
  });
  // A delete marker's id cannot be read (405, as S3 answers).
  await expect(read('raw/deleted.csv', deleted.VersionId)).rejects.toMatchObject({ $metadata: { httpStatusCode: 405 } });
  await s3.send(new DeleteObjectCommand({ Bucket, Key: 'raw/deleted.csv', VersionId: deleted.VersionId }));
  expect(await read('raw/deleted.csv')).toBe('kept');
});

test('GIVEN the current version deleted by its id THEN the previous one is current again; an unknown id is NoSuchVersion', async () => {
  const older = await put('raw/rollback.csv', 'older');
  const newer = await put('raw/rollback.csv', 'newer');
  await s3.send(new DeleteObjectCommand({ Bucket, Key: 'raw/rollback.csv', VersionId: newer }));
  expect(await read('raw/rollback.csv')).toBe('older');
  expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'raw/rollback.csv' }))).VersionId).toBe(older);
  await expect(read('raw/rollback.csv', newer)).rejects.toMatchObject({ name: 'NoSuchVersion' });
  // An id S3 could not have made is a bad argument (400), not a missing version.
  await expect(read('raw/rollback.csv', 'not-a-version')).rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
  await expect(s3.send(new DeleteObjectCommand({ Bucket, Key: 'raw/rollback.csv', VersionId: 'not-a-version' }))).rejects.toMatchObject({
    name: 'InvalidArgument',
  });
  // "null" is the version written before versioning: here there is none (every version has an id).
  await expect(read('raw/rollback.csv', 'null')).rejects.toMatchObject({ name: 'NoSuchVersion' });
});

test('GIVEN copies and multipart uploads THEN each is a new version too', async () => {
  const source = await put('raw/source.csv', 'source');
  const copied = await s3.send(new CopyObjectCommand({ Bucket, Key: 'raw/copy.csv', CopySource: `${Bucket}/raw/source.csv` }));
  expect(copied.VersionId).toMatch(/^[0-9a-z]{9}[A-Za-z0-9]{23}$/);
  expect(copied.VersionId).not.toBe(source);
  const big = 'x'.repeat(6 * 1024 * 1024);
  const uploaded = await new Upload({ client: s3, params: { Bucket, Key: 'raw/big.bin', Body: big }, partSize: 5 * 1024 * 1024 }).done();
  expect(uploaded.VersionId).toBe((await s3.send(new HeadObjectCommand({ Bucket, Key: 'raw/big.bin' }))).VersionId);
});

test('GIVEN more versions than a page THEN ListObjectVersions pages by key and version id markers, in key order and newest first, none lost or repeated', async () => {
  const expected: string[] = [];
  for (const key of ['paged/b', 'paged/a', 'paged/c']) for (let i = 0; i < 3; i++) expected.push(`${key}@${await put(key, `${key}${i}`)}`);
  const order = (entry: string) => entry.split('@')[0];
  // Keys in byte order; within a key, newest (last put) first.
  const wanted = [...expected].sort((x, y) => (order(x) === order(y) ? expected.indexOf(y) - expected.indexOf(x) : order(x) < order(y) ? -1 : 1));
  const seen: string[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (let pages = 0; ; pages++) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'paged/', MaxKeys: 4, KeyMarker, VersionIdMarker }));
    seen.push(...(page.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`));
    if (!page.IsTruncated) break;
    expect(pages).toBeLessThan(5);
    ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = page);
  }
  expect(seen).toEqual(wanted);
});

test('GIVEN a versioned key with ".." segments THEN its versions stay inside the state directory', async () => {
  await put('raw/../../../escaped.csv', 'one');
  await put('raw/../../../escaped.csv', 'two');
  expect(readdirSync(root)).toEqual(['state']);
  expect((await versions('raw/../')).versions).toHaveLength(2);
});
