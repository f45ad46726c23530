import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/types';
import { ChunkedUploadError, decodeChunkedUpload } from '../../../lib/local/services/s3-chunked';
import { s3ClientOf } from '../../helpers/local-s3-client';
import { startLocalS3, type LocalS3 } from '../../../lib/local/services/s3';

/**
 * aws-chunked uploads, decoded as S3 decodes them: AWS's own published example of a signed
 * streaming PUT (its chunk signatures are AWS's, so a pass means the chaining matches S3, not
 * merely itself), and the JS SDK v3's stream uploads (unsigned chunks with a CRC32 trailer)
 * through the local S3.
 */
const AWS_EXAMPLE = {
  headers: {
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class, Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
    'x-amz-date': '20130524T000000Z',
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'x-amz-decoded-content-length': '66560',
  },
  secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  chunks: [
    { size: 65536, signature: 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648' },
    { size: 1024, signature: '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497' },
    { size: 0, signature: 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9' },
  ],
};

function exampleBody(change?: (data: Buffer, chunk: number) => void): Buffer {
  return Buffer.concat(
    AWS_EXAMPLE.chunks.map(({ size, signature }, i) => {
      const data = Buffer.alloc(size, 'a');
      change?.(data, i);
      return Buffer.concat([Buffer.from(`${size.toString(16)};chunk-signature=${signature}\r\n`), data, Buffer.from('\r\n')]);
    }),
  );
}

/** Feeds `body` to the decoder in pieces of `piece` bytes; resolves with the decoded bytes or rejects with its error. */
async function decode(body: Buffer, piece: number, headers: Record<string, string> = AWS_EXAMPLE.headers): Promise<Buffer> {
  const decoder = decodeChunkedUpload(headers, AWS_EXAMPLE.secret);
  const out: Buffer[] = [];
  decoder.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => decoder.on('end', resolve).on('error', reject));
  for (let at = 0; at < body.length; at += piece) decoder.write(body.subarray(at, at + piece));
  decoder.end();
  await done;
  return Buffer.concat(out);
}

describe("AWS's published signed streaming PUT", () => {
  test.each([1, 7, 4096, 70_000])(
    'GIVEN its body in pieces of %i bytes THEN it decodes to the 66,560 bytes of "a", every chunk signature verified',
    async (piece) => {
      const decoded = await decode(exampleBody(), piece);
      expect(decoded.length).toBe(66_560);
      expect(decoded.equals(Buffer.alloc(66_560, 'a'))).toBe(true);
    },
  );

  test('GIVEN one byte of the 1 KiB chunk changed THEN the upload fails with SignatureDoesNotMatch (403)', async () => {
    const tampered = exampleBody((data, chunk) => chunk === 1 && (data[10] = 'b'.charCodeAt(0)));
    await expect(decode(tampered, 4096)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
  });

  test('GIVEN the body cut before its final chunk, or a declared length it does not hold THEN the upload fails with IncompleteBody', async () => {
    const body = exampleBody();
    await expect(decode(body.subarray(0, body.length - 90), 4096)).rejects.toMatchObject({ code: 'IncompleteBody' });
    await expect(decode(body, 4096, { ...AWS_EXAMPLE.headers, 'x-amz-decoded-content-length': '66561' })).rejects.toMatchObject({ code: 'IncompleteBody' });
  });

  test('GIVEN a streaming mode not decoded here THEN it is refused as not implemented, naming the mode', () => {
    expect(() =>
      decodeChunkedUpload({ ...AWS_EXAMPLE.headers, 'x-amz-content-sha256': 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' }, AWS_EXAMPLE.secret),
    ).toThrow(ChunkedUploadError);
    expect(() =>
      decodeChunkedUpload({ ...AWS_EXAMPLE.headers, 'x-amz-content-sha256': 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' }, AWS_EXAMPLE.secret),
    ).toThrow(/STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD is not implemented/);
  });
});

describe('unsigned chunks with a trailing checksum', () => {
  const body = (data: string, trailer: string) => Buffer.from(`${data.length.toString(16)}\r\n${data}\r\n0\r\n${trailer}\r\n\r\n`, 'latin1');
  const headers = (algorithm: string) => ({
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'x-amz-decoded-content-length': '9',
    'x-amz-trailer': `x-amz-checksum-${algorithm}`,
  });
  // The check values of "123456789": CRC32 0xCBF43926 and CRC32C 0xE3069283 (the algorithms' published ones).
  test.each([
    ['crc32', 'y/Q5Jg=='],
    ['crc32c', '4waSgw=='],
    ['sha1', createHash('sha1').update('123456789').digest('base64')],
    ['sha256', createHash('sha256').update('123456789').digest('base64')],
  ])('GIVEN the %s of the bytes in the trailer THEN they decode; with another value the upload fails with BadDigest', async (algorithm, checksum) => {
    expect((await decode(body('123456789', `x-amz-checksum-${algorithm}:${checksum}`), 5, headers(algorithm))).toString()).toBe('123456789');
    const wrong = `${checksum[0] === 'A' ? 'B' : 'A'}${checksum.slice(1)}`;
    await expect(decode(body('123456789', `x-amz-checksum-${algorithm}:${wrong}`), 5, headers(algorithm))).rejects.toMatchObject({ code: 'BadDigest' });
  });

  test('GIVEN the declared trailer missing from the body THEN the upload fails naming it', async () => {
    await expect(decode(body('123456789', 'x-amz-checksum-sha1:abc'), 5, headers('crc32'))).rejects.toMatchObject({
      code: 'MalformedTrailerError',
      message: expect.stringContaining('x-amz-checksum-crc32'),
    });
  });
});

describe('stream uploads of the JS SDK v3 through the local S3', () => {
  let server: LocalS3;
  const client = () => s3ClientOf(server);
  beforeAll(async () => {
    server = await startLocalS3({ buckets: ['data'] });
  });
  afterAll(() => server.close());
  const streamed = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

  test('GIVEN a stream body (sent aws-chunked with a CRC32 trailer) THEN the object is its bytes, not the framing, with its length and no aws-chunked encoding', async () => {
    const s3 = client();
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'streamed.csv', Body: streamed('a,b\n', '1,2\n'), ContentLength: 8 }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'streamed.csv' }))).Body!.transformToString()).toBe('a,b\n1,2\n');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'streamed.csv' }));
    expect(head.ContentLength).toBe(8);
    expect(head.ContentEncoding).toBeUndefined();
    s3.destroy();
  });

  test('GIVEN the trailing checksum changed after signing THEN S3 refuses the upload with BadDigest and stores nothing', async () => {
    const s3 = client();
    const stack = s3.middlewareStack as unknown as {
      add(m: (next: (a: { request: unknown }) => Promise<unknown>) => (a: { request: unknown }) => Promise<unknown>, o: object): void;
    };
    stack.add(
      (next) => async (args) => {
        const request = args.request as HttpRequest;
        const chunks: Buffer[] = [];
        for await (const chunk of request.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
        // Another CRC32 of the same length: the framing stays valid, the checksum does not.
        const body = Buffer.concat(chunks)
          .toString('latin1')
          .replace(/x-amz-checksum-crc32:(\S{8})/, 'x-amz-checksum-crc32:AAAAAA==');
        request.body = Readable.from([Buffer.from(body, 'latin1')]);
        return next(args);
      },
      { step: 'deserialize' },
    );
    await expect(s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'tampered.csv', Body: streamed('x\n'), ContentLength: 2 }))).rejects.toMatchObject({
      name: 'BadDigest',
      message: 'The CRC32 you specified did not match the calculated checksum.',
    });
    const control = client();
    await expect(control.send(new HeadObjectCommand({ Bucket: 'data', Key: 'tampered.csv' }))).rejects.toMatchObject({ name: 'NotFound' });
    s3.destroy();
    control.destroy();
  });
});
