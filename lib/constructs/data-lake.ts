import { Aspects, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ServicePrincipalConditions } from './service-principal-conditions';
import { checkProp } from './props';
import {
  CAPTURE_PREFIX,
  DRIFT_PREFIX,
  FEATURES_PREFIX,
  MAP_RUNS_PREFIX,
  MODELS_PREFIX,
  QUARANTINE_PREFIX,
  SCRATCH_PREFIX,
} from '../../lambdas/contracts/layout';

/** Options of a grant on the objects under one prefix. */
interface PrefixGrant {
  readonly bucket: s3.IBucket;
  readonly prefix: string;
  readonly actions: readonly string[];
  /** Also s3:ListBucket, limited to the prefix (without it a missing key reads as AccessDenied). */
  readonly list?: boolean;
}

const READ = ['s3:GetObject'];
/** Writes include multipart uploads, which the SDK's Upload uses for large objects. */
const WRITE = ['s3:PutObject', 's3:AbortMultipartUpload'];
/** What a principal needs of the key to read and write objects it encrypts. */
const KEY_USE = ['kms:Decrypt', 'kms:GenerateDataKey'];
/** A failed run's pending rows: kept past the 14 days in which Step Functions can redrive its execution. */
const SCRATCH_RETENTION_DAYS = 15;

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
    Aspects.of(this).add(new ServicePrincipalConditions());
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const captureRetentionDays = props.captureRetentionDays ?? 30;
    const noncurrentDays = props.noncurrentVersionRetentionDays ?? 365;
    for (const [name, days] of Object.entries({
      captureRetentionDays,
      noncurrentVersionRetentionDays: noncurrentDays,
      accessLogRetentionDays: props.accessLogRetentionDays ?? 365,
    })) {
      checkProp(this, Number.isInteger(days) && days >= 1, name, `must be a whole number of days >= 1, got ${days}`);
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
    // Pending rows are deleted once a run's features are complete (about 0.8x the snapshot); without
    // this rule their noncurrent versions would be kept for noncurrentDays, and a failed run's for good.
    const expireScratch: s3.LifecycleRule = {
      id: 'expire-scratch',
      prefix: SCRATCH_PREFIX,
      expiration: Duration.days(SCRATCH_RETENTION_DAYS),
      noncurrentVersionExpiration: Duration.days(1),
    };

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      ...common,
      lifecycleRules: [abortUploads, { id: 'expire-logs', expiration: Duration.days(props.accessLogRetentionDays ?? 365) }],
    });
    const logsTo = (prefix: string): Partial<s3.BucketProps> => ({ serverAccessLogsBucket: this.accessLogsBucket, serverAccessLogsPrefix: prefix });

    this.dataBucket = new s3.Bucket(this, 'DataBucket', {
      ...common,
      ...logsTo('data/'),
      versioned: true,
      lifecycleRules: [abortUploads, expireOldVersions, expireScratch],
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
        actions: KEY_USE,
        // In a key policy "*" means this key.
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }

  /**
   * Lets a principal read uploads under the raw prefix, pinned versions included (listing is grantListRaw).
   * @param rawPrefix the prefix uploads land under (ends in "/")
   */
  grantReadRaw(grantee: iam.IGrantable, rawPrefix: string): iam.Grant {
    return this.grantPrefix(grantee, { bucket: this.dataBucket, prefix: rawPrefix, actions: ['s3:GetObject', 's3:GetObjectVersion'] });
  }

  /** Lets a principal list the raw prefix (to take a snapshot of it); listing needs no key. */
  grantListRaw(grantee: iam.IGrantable, rawPrefix: string): iam.Grant {
    return this.grantList(grantee, this.dataBucket, rawPrefix);
  }

  /** Lets a principal read the runs' features, specs, baselines and manifests, and list them. */
  grantReadFeatures(grantee: iam.IGrantable): iam.Grant {
    return this.grantPrefix(grantee, { bucket: this.dataBucket, prefix: FEATURES_PREFIX, actions: READ, list: true });
  }

  /**
   * Lets a principal write under features/ (manifests, encoded rows, spec, baseline).
   * @param options.multipart also abort multipart uploads (large objects); @default true
   */
  grantWriteFeatures(grantee: iam.IGrantable, options: { readonly multipart?: boolean } = {}): iam.Grant {
    return this.grantPrefix(grantee, { bucket: this.dataBucket, prefix: FEATURES_PREFIX, actions: options.multipart === false ? ['s3:PutObject'] : WRITE });
  }

  /**
   * Lets a state machine's Distributed Map states read the runs' shard plans (their ItemReader)
   * and write their map runs' child results (their ResultWriter), nothing else of the bucket.
   */
  grantDistributedMapIo(grantee: iam.IGrantable): iam.Grant {
    const plans = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.dataBucket.arnForObjects(`${FEATURES_PREFIX}*/shards/plan.json`)],
    });
    // What Step Functions' ResultWriter uses (its multipart upload of large result files included).
    const results = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      resourceArns: [this.dataBucket.arnForObjects(`${MAP_RUNS_PREFIX}*`)],
    });
    return plans.combine(results).combine(this.grantKeyUse(grantee));
  }

  /**
   * Lets a principal write, read and delete the Distributed Map path's rows between its passes
   * (`scratch/<run>/shards/<k>/*.pending`); the only prefix of the bucket anything may delete from.
   */
  grantReadWriteDeleteScratch(grantee: iam.IGrantable): iam.Grant {
    return this.grantPrefix(grantee, { bucket: this.dataBucket, prefix: SCRATCH_PREFIX, actions: [...READ, ...WRITE, 's3:DeleteObject'] });
  }

  /** Lets a principal write rejected rows under quarantine/. */
  grantWriteQuarantine(grantee: iam.IGrantable): iam.Grant {
    return this.grantPrefix(grantee, { bucket: this.dataBucket, prefix: QUARANTINE_PREFIX, actions: WRITE });
  }

  /** Lets a principal write drift reports under drift/. */
  grantWriteDriftReports(grantee: iam.IGrantable): iam.Grant {
    return this.grantPrefix(grantee, { bucket: this.dataBucket, prefix: DRIFT_PREFIX, actions: ['s3:PutObject'] });
  }

  /** Lets a principal read and write model artifacts (and checkpoints) under models/, and list them. */
  grantReadWriteModels(grantee: iam.IGrantable): iam.Grant {
    return this.grantPrefix(grantee, { bucket: this.modelsBucket, prefix: MODELS_PREFIX, actions: [...READ, ...WRITE], list: true });
  }

  /** Lets a principal write captured requests and responses under capture/. */
  grantWriteCapture(grantee: iam.IGrantable): iam.Grant {
    return this.grantPrefix(grantee, { bucket: this.captureBucket, prefix: CAPTURE_PREFIX, actions: ['s3:PutObject'] });
  }

  /** Lets a principal read and list captured traffic under capture/. */
  grantReadCapture(grantee: iam.IGrantable): iam.Grant {
    return this.grantPrefix(grantee, { bucket: this.captureBucket, prefix: CAPTURE_PREFIX, actions: READ, list: true });
  }

  /** Lets a principal encrypt and decrypt with the key (every object grant above includes this). */
  grantKeyUse(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: KEY_USE, resourceArns: [this.key.keyArn] });
  }

  private grantPrefix(grantee: iam.IGrantable, options: PrefixGrant): iam.Grant {
    const objects = iam.Grant.addToPrincipal({ grantee, actions: [...options.actions], resourceArns: [options.bucket.arnForObjects(`${options.prefix}*`)] });
    const listed = options.list ? objects.combine(this.grantList(grantee, options.bucket, options.prefix)) : objects;
    return listed.combine(this.grantKeyUse(grantee));
  }

  private grantList(grantee: iam.IGrantable, bucket: s3.IBucket, prefix: string): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    });
  }
}
