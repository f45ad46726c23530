import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DataLake } from '../../../lib/constructs/data-lake';
import { newStack } from '../../helpers/app';

function buildDataLake(props: ConstructorParameters<typeof DataLake>[2] = {}): { stack: Stack; lake: DataLake; template: Template } {
  const stack = newStack();
  const lake = new DataLake(stack, 'Lake', props);
  return { stack, lake, template: Template.fromStack(stack) };
}

function bucketProps(stack: Stack, template: Template, bucket: { node: { defaultChild?: unknown } }): Record<string, unknown> {
  const logicalId = stack.getLogicalId(bucket.node.defaultChild as never);
  return template.toJSON().Resources[logicalId].Properties as Record<string, unknown>;
}

describe('DataLake', () => {
  test('GIVEN defaults THEN one customer-managed key with yearly rotation is retained', () => {
    const { template } = buildDataLake();
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('GIVEN defaults THEN all four buckets use SSE-KMS with the key, block public access and are retained', () => {
    const { stack, lake, template } = buildDataLake();
    template.resourceCountIs('AWS::S3::Bucket', 4);
    const keyId = stack.getLogicalId(lake.key.node.defaultChild as never);
    for (const bucket of [lake.dataBucket, lake.modelsBucket, lake.captureBucket, lake.accessLogsBucket]) {
      expect(bucketProps(stack, template, bucket)).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } },
          ],
        },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
    }
    template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  test('GIVEN defaults THEN every bucket policy denies requests without TLS 1.2', () => {
    const { template } = buildDataLake();
    const policies = template.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(4);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      );
    }
  });

  test('GIVEN defaults THEN raw data and models are versioned and capture data is not', () => {
    const { stack, lake, template } = buildDataLake();
    expect(bucketProps(stack, template, lake.dataBucket).VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucketProps(stack, template, lake.modelsBucket).VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucketProps(stack, template, lake.captureBucket).VersioningConfiguration).toBeUndefined();
  });

  test('GIVEN retention settings THEN lifecycle rules expire old versions, capture data and logs', () => {
    const { stack, lake, template } = buildDataLake({ captureRetentionDays: 14, noncurrentVersionRetentionDays: 180, accessLogRetentionDays: 90 });
    const rules = (bucket: typeof lake.dataBucket) => (bucketProps(stack, template, bucket).LifecycleConfiguration as { Rules: unknown[] }).Rules;
    const abort = { Id: 'abort-incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' };
    expect(rules(lake.dataBucket)).toEqual([
      abort,
      { Id: 'expire-old-versions', NoncurrentVersionExpiration: { NoncurrentDays: 180 }, Status: 'Enabled' },
      // The Distributed Map path's rows between its passes: the shorter expiration of the two rules is the one S3 applies.
      { Id: 'expire-scratch', Prefix: 'scratch/', ExpirationInDays: 15, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
    ]);
    expect(rules(lake.modelsBucket)).toEqual([abort, { Id: 'expire-old-versions', NoncurrentVersionExpiration: { NoncurrentDays: 180 }, Status: 'Enabled' }]);
    expect(rules(lake.captureBucket)).toEqual([abort, { Id: 'expire-capture', ExpirationInDays: 14, Status: 'Enabled' }]);
    expect(rules(lake.accessLogsBucket)).toEqual([abort, { Id: 'expire-logs', ExpirationInDays: 90, Status: 'Enabled' }]);
  });

  test('GIVEN defaults THEN only the data bucket sends events to EventBridge, natively (no custom resource)', () => {
    const { stack, lake, template } = buildDataLake();
    expect(bucketProps(stack, template, lake.dataBucket).NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(bucketProps(stack, template, lake.modelsBucket).NotificationConfiguration).toBeUndefined();
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  test('GIVEN defaults THEN data, models and capture buckets log access to the logs bucket, which the logging service may write', () => {
    const { stack, lake, template } = buildDataLake();
    const logsId = stack.getLogicalId(lake.accessLogsBucket.node.defaultChild as never);
    expect(bucketProps(stack, template, lake.dataBucket).LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'data/' });
    expect(bucketProps(stack, template, lake.modelsBucket).LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'models/' });
    expect(bucketProps(stack, template, lake.captureBucket).LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsId },
      LogFilePrefix: 'capture/',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Action: 's3:PutObject', Principal: { Service: 'logging.s3.amazonaws.com' } })]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: Match.arrayWith(['kms:GenerateDataKey*']) }),
        ]),
      },
    });
  });

  test('GIVEN allowServiceToUseKey THEN the key policy grants that service only for this account', () => {
    const stack = newStack();
    new DataLake(stack, 'Lake').allowServiceToUseKey('cloudwatch.amazonaws.com');
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'Allow-cloudwatch.amazonaws.com',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ]),
      },
    });
  });

  test('GIVEN removal policy DESTROY THEN buckets and key are deleted with the stack and emptied first', () => {
    const { template } = buildDataLake({ removalPolicy: RemovalPolicy.DESTROY });
    template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 4);
  });

  test('GIVEN a retention of zero days THEN construction fails naming the construct and prop', () => {
    expect(() => buildDataLake({ captureRetentionDays: 0 })).toThrow('TestStack/Lake: captureRetentionDays must be a whole number of days >= 1, got 0');
  });
});
