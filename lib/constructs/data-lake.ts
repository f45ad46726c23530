import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface DataLakeProps {
  /**
   * What happens to the buckets and the key when the stack is deleted. DESTROY also empties the
   * buckets (a disposable dev stack).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days that captured endpoint requests are kept.
   * @default 30
   */
  readonly captureRetentionDays?: number;
  /**
   * Days that overwritten or deleted versions of data and models are kept. Manifests pin raw
   * versions, so this bounds how long a past run can be reproduced exactly.
   * @default 365
   */
  readonly noncurrentVersionRetentionDays?: number;
  /**
   * Days that S3 server access logs are kept.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
}

/**
 * The project's storage: one customer-managed KMS key (rotated yearly) encrypting a data bucket
 * (raw/, quarantine/, features/, drift/), a model artifacts bucket, a data-capture bucket and the
 * access-logs bucket they all log to. Every bucket blocks public access and refuses plain HTTP.
 */
export class DataLake extends Construct {
  readonly key: kms.Key;
  /** Uploads, quarantined rows, features and drift reports. Versioned: raw data is never lost. */
  readonly dataBucket: s3.Bucket;
  /** Training job outputs. Versioned: a model artifact is never lost. */
  readonly modelsBucket: s3.Bucket;
  /** Endpoint data capture, expired after the retention period. */
  readonly captureBucket: s3.Bucket;
  /** S3 server access logs of the other three buckets. */
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataLakeProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const captureRetentionDays = props.captureRetentionDays ?? 30;
    const noncurrentDays = props.noncurrentVersionRetentionDays ?? 365;
    for (const [name, days] of Object.entries({ captureRetentionDays, noncurrentVersionRetentionDays: noncurrentDays, accessLogRetentionDays: props.accessLogRetentionDays ?? 365 })) {
      if (!Number.isInteger(days) || days < 1) throw new Error(`${this.node.path}: ${name} must be a whole number of days >= 1, got ${days}`);
    }

    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the data, models, capture and access logs of ${Stack.of(this).stackName}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    // CDK adds the key grant for logging.s3.amazonaws.com itself when buckets log to a KMS bucket.

    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;
    const common: s3.BucketProps = {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects,
    };
    const abortUploads: s3.LifecycleRule = { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) };
    const expireOldVersions: s3.LifecycleRule = { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(noncurrentDays) };

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      ...common,
      lifecycleRules: [abortUploads, { id: 'expire-logs', expiration: Duration.days(props.accessLogRetentionDays ?? 365) }],
    });
    const logsTo = (prefix: string): Partial<s3.BucketProps> => ({ serverAccessLogsBucket: this.accessLogsBucket, serverAccessLogsPrefix: prefix });

    this.dataBucket = new s3.Bucket(this, 'DataBucket', {
      ...common,
      ...logsTo('data/'),
      versioned: true,
      lifecycleRules: [abortUploads, expireOldVersions],
    });
    // Native CloudFormation property instead of eventBridgeEnabled, which adds a custom resource.
    (this.dataBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    this.modelsBucket = new s3.Bucket(this, 'ModelsBucket', {
      ...common,
      ...logsTo('models/'),
      versioned: true,
      lifecycleRules: [abortUploads, expireOldVersions],
    });
    this.captureBucket = new s3.Bucket(this, 'CaptureBucket', {
      ...common,
      ...logsTo('capture/'),
      lifecycleRules: [abortUploads, { id: 'expire-capture', expiration: Duration.days(captureRetentionDays) }],
    });
  }

  /**
   * Lets an AWS service principal encrypt and decrypt with the key on behalf of this account only
   * (e.g. CloudWatch alarms publishing to an encrypted topic).
   */
  allowServiceToUseKey(servicePrincipal: string): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `Allow-${servicePrincipal}`,
        principals: [new iam.ServicePrincipal(servicePrincipal)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        // In a key policy "*" means this key.
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }
}
