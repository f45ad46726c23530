import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { signingKey } from '../auth/sigv4';

/**
 * S3's aws-chunked uploads, decoded as S3 decodes them. A client that streams a body of unknown
 * hash sends it framed in chunks (`<hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n`, a 0-size
 * chunk, then trailing headers): the JS SDK v3 does it for every stream body
 * (STREAMING-UNSIGNED-PAYLOAD-TRAILER, with a CRC32 checksum trailer); older SDKs sign each chunk
 * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD). s3rver stored the framing as the object's bytes. The
 * decoder gives the object's bytes, and fails the upload, in S3's words, when a chunk signature,
 * the trailing checksum or the decoded length does not hold.
 */
export class ChunkedUploadError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/** The modes decoded here; the other STREAMING- modes are refused as not implemented. */
export const DECODED_MODES = ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'] as const;

interface ChunkSigning {
  readonly key: Buffer;
  readonly amzDate: string;
  readonly scope: string;
  /** The previous signature: the request's own (the seed), then each chunk's. */
  previous: string;
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** CRC32C (Castagnoli), which S3 accepts as x-amz-checksum-crc32c; Node has only CRC32. */
const CRC32C_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32c(previous: number, data: Uint8Array): number {
  let c = ~previous >>> 0;
  for (const byte of data) c = CRC32C_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** A running checksum of the decoded bytes, for the algorithm a trailer names. */
function checksumOf(trailer: string): { update(data: Uint8Array): void; digest(): string; label: string } {
  const algorithm = trailer.replace(/^x-amz-checksum-/, '');
  const uint32 = (value: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value >>> 0);
    return bytes.toString('base64');
  };
  if (algorithm === 'crc32' || algorithm === 'crc32c') {
    let value = 0;
    return {
      label: algorithm.toUpperCase(),
      update: (data) => (value = algorithm === 'crc32' ? crc32(data, value) : crc32c(value, data)),
      digest: () => uint32(value),
    };
  }
  if (algorithm === 'sha1' || algorithm === 'sha256') {
    const hash = createHash(algorithm);
    return { label: algorithm.toUpperCase(), update: (data) => void hash.update(data), digest: () => hash.digest('base64') };
  }
  throw new ChunkedUploadError('NotImplemented', `The checksum ${trailer} is not implemented by the local S3 (CRC32, CRC32C, SHA1 and SHA256 are).`, 501);
}

/**
 * A Transform from the aws-chunked body to the object's bytes. `headers` are the request's;
 * `secretAccessKey` verifies chunk signatures when the mode signs them.
 */
export function decodeChunkedUpload(headers: Record<string, string | string[] | undefined>, secretAccessKey: string): Transform {
  const mode = String(headers['x-amz-content-sha256']);
  const declared = Number(headers['x-amz-decoded-content-length']);
  if (!DECODED_MODES.includes(mode as (typeof DECODED_MODES)[number])) {
    throw new ChunkedUploadError('NotImplemented', `The payload mode ${mode} is not implemented by the local S3 (${DECODED_MODES.join(', ')} are).`, 501);
  }
  if (!Number.isInteger(declared) || declared < 0) {
    throw new ChunkedUploadError('MissingContentLength', 'You must provide the x-amz-decoded-content-length HTTP header with an aws-chunked upload.', 411);
  }
  const trailerName = typeof headers['x-amz-trailer'] === 'string' ? headers['x-amz-trailer'].toLowerCase() : undefined;
  const checksum = trailerName ? checksumOf(trailerName) : undefined;
  const signing = mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' ? chunkSigning(headers, secretAccessKey) : undefined;

  let buffered: Buffer = Buffer.alloc(0);
  let state: 'size' | 'data' | 'data-end' | 'final-crlf' | 'trailer' | 'done' = 'size';
  let remaining = 0;
  let chunkSignature: string | undefined;
  let chunkHash = createHash('sha256');
  let decoded = 0;
  const trailers = new Map<string, string>();

  /** The next CRLF-terminated line of the buffer, or undefined until it has arrived. */
  const line = (): string | undefined => {
    const end = buffered.indexOf('\r\n');
    if (end === -1) {
      if (buffered.length > 4096) throw new ChunkedUploadError('IncompleteBody', 'An aws-chunked chunk header is longer than 4096 bytes.');
      return undefined;
    }
    const text = buffered.subarray(0, end).toString('latin1');
    buffered = buffered.subarray(end + 2);
    return text;
  };
  /** Consumes a CRLF, or returns false until two bytes have arrived. */
  const crlf = (): boolean => {
    if (buffered.length < 2) return false;
    if (buffered[0] !== 13 || buffered[1] !== 10) throw new ChunkedUploadError('IncompleteBody', 'An aws-chunked chunk does not end with CRLF.');
    buffered = buffered.subarray(2);
    return true;
  };
  /** A signed chunk's signature: HMAC of its data's hash chained to the previous signature (SigV4 streaming). */
  const verifyChunk = () => {
    if (!signing) return;
    const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', signing.amzDate, signing.scope, signing.previous, EMPTY_SHA256, chunkHash.digest('hex')].join('\n');
    const expected = createHmac('sha256', signing.key).update(stringToSign).digest();
    if (!chunkSignature || !/^[0-9a-f]{64}$/.test(chunkSignature) || !timingSafeEqual(expected, Buffer.from(chunkSignature, 'hex'))) {
      throw new ChunkedUploadError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided (an aws-chunked chunk signature).',
        403,
      );
    }
    signing.previous = chunkSignature;
  };

  const step = (push: (data: Buffer) => void): void => {
    for (;;) {
      switch (state) {
        case 'size': {
          const header = line();
          if (header === undefined) return;
          const [size, ...extensions] = header.split(';');
          if (!/^[0-9a-fA-F]{1,16}$/.test(size))
            throw new ChunkedUploadError('IncompleteBody', `An aws-chunked chunk header is malformed: "${header.slice(0, 80)}".`);
          remaining = parseInt(size, 16);
          chunkSignature = extensions.find((e) => e.startsWith('chunk-signature='))?.slice('chunk-signature='.length);
          chunkHash = createHash('sha256');
          if (remaining > 0) state = 'data';
          else {
            // The final chunk: signed, it carries the signature of no data; unsigned, the trailers follow.
            verifyChunk();
            state = signing ? 'final-crlf' : 'trailer';
          }
          break;
        }
        case 'data': {
          if (buffered.length === 0) return;
          const data = buffered.subarray(0, Math.min(remaining, buffered.length));
          buffered = buffered.subarray(data.length);
          remaining -= data.length;
          decoded += data.length;
          if (decoded > declared)
            throw new ChunkedUploadError('IncompleteBody', `The aws-chunked body holds more than the ${declared} bytes x-amz-decoded-content-length declares.`);
          chunkHash.update(data);
          checksum?.update(data);
          push(Buffer.from(data));
          if (remaining === 0) state = 'data-end';
          break;
        }
        case 'data-end':
          if (!crlf()) return;
          verifyChunk();
          state = 'size';
          break;
        case 'final-crlf':
          if (!crlf()) return;
          state = 'done';
          break;
        case 'trailer': {
          const header = line();
          if (header === undefined) return;
          if (header === '') {
            state = 'done';
            break;
          }
          const at = header.indexOf(':');
          if (at === -1) throw new ChunkedUploadError('MalformedTrailerError', `An aws-chunked trailer is malformed: "${header.slice(0, 80)}".`);
          trailers.set(header.slice(0, at).trim().toLowerCase(), header.slice(at + 1).trim());
          break;
        }
        case 'done':
          if (buffered.length > 0) throw new ChunkedUploadError('IncompleteBody', 'The aws-chunked body goes on after its final chunk.');
          return;
      }
    }
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      try {
        step((data) => this.push(data));
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (state !== 'done') throw new ChunkedUploadError('IncompleteBody', 'The aws-chunked body ended before its final chunk.');
        if (decoded !== declared) {
          throw new ChunkedUploadError('IncompleteBody', `The aws-chunked body holds ${decoded} bytes; x-amz-decoded-content-length declares ${declared}.`);
        }
        if (checksum && trailerName) {
          const sent = trailers.get(trailerName);
          if (sent === undefined)
            throw new ChunkedUploadError('MalformedTrailerError', `The request declares the trailer ${trailerName}, but the body has none.`);
          if (sent !== checksum.digest())
            throw new ChunkedUploadError('BadDigest', `The ${checksum.label} you specified did not match the calculated checksum.`);
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/** The seed signature, the signing key and the scope of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD request (verified before). */
function chunkSigning(headers: Record<string, string | string[] | undefined>, secretAccessKey: string): ChunkSigning {
  const authorization = String(headers.authorization ?? '');
  const match = /Credential=[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request.*Signature=([0-9a-f]{64})/.exec(authorization);
  const amzDate = String(headers['x-amz-date'] ?? '');
  if (!match || !amzDate) throw new ChunkedUploadError('AccessDenied', 'A signed aws-chunked upload needs an Authorization header and X-Amz-Date.', 403);
  const [, date, region, service, seed] = match;
  return { key: signingKey(secretAccessKey, date, region, service), amzDate, scope: `${date}/${region}/${service}/aws4_request`, previous: seed };
}
