import { buildManifest, runIdForHash, skipReason } from '../../../lambdas/core/snapshot';

const a = { key: 'raw/a.csv', versionId: 'v1', etag: '"aa"', size: 10 };
const b = { key: 'raw/b.csv', versionId: 'v7', etag: '"bb"', size: 20 };

describe('snapshot manifest', () => {
  test('GIVEN the same objects in any order THEN the hash and run id are the same', () => {
    const first = buildManifest('bucket', 'raw/', [a, b]);
    const second = buildManifest('bucket', 'raw/', [b, a]);
    expect(second.hash).toBe(first.hash);
    expect(second.runId).toBe(first.runId);
    expect(first.objects.map((o) => o.key)).toEqual(['raw/a.csv', 'raw/b.csv']);
  });

  test.each([
    ['a new version', { ...b, versionId: 'v8' }],
    ['a new ETag', { ...b, etag: '"cc"' }],
    ['a new size', { ...b, size: 21 }],
  ])('GIVEN %s of one object THEN the hash changes', (_case, changed) => {
    expect(buildManifest('bucket', 'raw/', [a, changed]).hash).not.toBe(buildManifest('bucket', 'raw/', [a, b]).hash);
  });

  test('GIVEN extra fields on listed objects THEN they neither enter the manifest nor change the hash', () => {
    const listed = { ...a, lastModified: '2026-01-01' } as typeof a;
    const manifest = buildManifest('bucket', 'raw/', [listed]);
    expect(manifest.objects[0]).toEqual(a);
    expect(manifest.hash).toBe(buildManifest('bucket', 'raw/', [a]).hash);
  });

  test('GIVEN a hash THEN the run id is a valid execution name of at most 80 characters', () => {
    const id = runIdForHash('f'.repeat(64));
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(id).toBe(`snapshot-${'f'.repeat(40)}`);
  });

  test('GIVEN no objects THEN building a manifest fails naming the location', () => {
    expect(() => buildManifest('bucket', 'raw/', [])).toThrow('no data objects under s3://bucket/raw/');
  });

  test.each([
    ['raw/a.csv', 1, undefined],
    ['raw/2026/A.CSV', 1, undefined],
    ['raw/a.csv.gz', 1, undefined],
    ['raw/a.csv', 0, 'empty (0 bytes)'],
    ['raw/notes.txt', 10, 'not a CSV file (data keys end in .csv or .csv.gz)'],
    ['raw/a.gz', 10, 'not a CSV file (data keys end in .csv or .csv.gz)'],
    ['raw/a.csv.bak', 10, 'not a CSV file (data keys end in .csv or .csv.gz)'],
    ['raw/folder/', 0, 'a folder marker'],
    ['raw/folder/', 5, 'a folder marker'],
  ])('GIVEN key %s of %d bytes THEN the reason it is skipped is %s', (key, size, expected) => {
    expect(skipReason(key, size)).toBe(expected);
  });

  test('GIVEN skipped objects THEN the manifest lists them and its hash is that of the data alone', () => {
    const data = [{ key: 'raw/a.csv', versionId: 'v1', etag: '"e"', size: 3 }];
    const skipped = [{ key: 'raw/notes.txt', size: 4, reason: 'not a CSV file (data keys end in .csv or .csv.gz)' }];
    const manifest = buildManifest('bucket', 'raw/', data, undefined, skipped);
    expect(manifest.skipped).toEqual(skipped);
    expect(manifest.hash).toBe(buildManifest('bucket', 'raw/', data).hash);
    expect(buildManifest('bucket', 'raw/', data)).not.toHaveProperty('skipped');
  });
});
