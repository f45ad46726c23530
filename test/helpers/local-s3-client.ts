import { S3Client } from '@aws-sdk/client-s3';
import type { LocalS3 } from '../../lib/local/services/s3';

/** An unmodified SDK client of a local S3, signing with its key pair (path-style, as the twin serves). */
export const s3ClientOf = (server: Pick<LocalS3, 'endpoint' | 'credentials'>): S3Client =>
  new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: server.credentials });
