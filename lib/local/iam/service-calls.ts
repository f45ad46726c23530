import { LOCAL_ACCOUNT } from '../template/cfn-template';
import type { AuthorizationRequest } from './local-iam';
import { snsPublishRequests, type TopicKeys } from './state-machine-calls';

/**
 * What IAM evaluates for each API call the handlers make (AWS's Service Authorization Reference):
 * the action and the resource ARN it is authorized on, with the condition keys the call sets.
 * An operation not listed is refused by the local services: a call AWS would authorize in some way
 * this table does not know must not pass unchecked.
 */
type Input = Record<string, unknown>;

export function jsonServiceRequests(
  region: string,
  topicKeys: TopicKeys = new Map(),
): Record<string, Record<string, (input: Input) => AuthorizationRequest[]>> {
  const arn = (service: string, path: string) => `arn:aws:${service}:${region}:${LOCAL_ACCOUNT}:${path}`;
  return {
    AWSStepFunctions: {
      StartExecution: (i) => [{ action: 'states:StartExecution', resource: String(i.stateMachineArn) }],
      ListExecutions: (i) => [{ action: 'states:ListExecutions', resource: String(i.stateMachineArn) }],
      DescribeExecution: (i) => [{ action: 'states:DescribeExecution', resource: String(i.executionArn) }],
      GetExecutionHistory: (i) => [{ action: 'states:GetExecutionHistory', resource: String(i.executionArn) }],
      StopExecution: (i) => [{ action: 'states:StopExecution', resource: String(i.executionArn) }],
    },
    AmazonSSM: {
      GetParameter: (i) => [{ action: 'ssm:GetParameter', resource: arn('ssm', `parameter/${String(i.Name).replace(/^\//, '')}`) }],
      PutParameter: (i) => [{ action: 'ssm:PutParameter', resource: arn('ssm', `parameter/${String(i.Name).replace(/^\//, '')}`) }],
    },
    SageMaker: {
      // ListModelPackages has no resource-level permissions.
      ListModelPackages: () => [{ action: 'sagemaker:ListModelPackages', resource: '*' }],
      DescribeModelPackage: (i) => [{ action: 'sagemaker:DescribeModelPackage', resource: String(i.ModelPackageName) }],
      UpdateModelPackage: (i) => [{ action: 'sagemaker:UpdateModelPackage', resource: String(i.ModelPackageArn) }],
      DescribeTrainingJob: (i) => [
        { action: 'sagemaker:DescribeTrainingJob', resource: arn('sagemaker', `training-job/${String(i.TrainingJobName).toLowerCase()}`) },
      ],
      StopTrainingJob: (i) => [{ action: 'sagemaker:StopTrainingJob', resource: arn('sagemaker', `training-job/${String(i.TrainingJobName).toLowerCase()}`) }],
    },
    // SNS speaks the query protocol; the local server files its actions under this name.
    AmazonSimpleNotificationService: {
      Publish: (i) => snsPublishRequests(String(i.TopicArn), topicKeys),
    },
    GraniteServiceVersion20100801: {
      PutMetricData: (i) => [{ action: 'cloudwatch:PutMetricData', resource: '*', context: { 'cloudwatch:namespace': String(i.Namespace) } }],
    },
  };
}

/** An S3 REST request, path style: `/<bucket>/<key>` and its query. */
export interface S3Request {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * The S3 actions of a REST request, and the KMS use SSE-KMS adds: reading an object needs
 * kms:Decrypt, writing one kms:GenerateDataKey (a multipart upload also kms:Decrypt) on the
 * bucket's key. Undefined for a request this table does not know.
 */
export function s3Requests(request: S3Request, bucketKeys: ReadonlyMap<string, string>): AuthorizationRequest[] | undefined {
  const [, bucket = '', ...rest] = request.path.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const has = (name: string) => request.query[name] !== undefined;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const objectArn = `${bucketArn}/${key}`;
  const kms = (...actions: string[]) => kmsOf(bucket, ...actions);
  const kmsOf = (ofBucket: string, ...actions: string[]) => {
    const keyArn = bucketKeys.get(ofBucket);
    return keyArn ? actions.map((action) => ({ action, resource: keyArn })) : [];
  };
  const method = request.method.toUpperCase();
  if (!bucket) return undefined;
  if (!key) {
    if ((method === 'GET' || method === 'HEAD') && has('versions'))
      return [{ action: 's3:ListBucketVersions', resource: bucketArn, context: { 's3:prefix': String(request.query.prefix ?? '') } }];
    if (method === 'GET' && has('location')) return [{ action: 's3:GetBucketLocation', resource: bucketArn }];
    if (method === 'GET' && has('versioning')) return [{ action: 's3:GetBucketVersioning', resource: bucketArn }];
    if (method === 'PUT' && has('versioning')) return [{ action: 's3:PutBucketVersioning', resource: bucketArn }];
    if (method === 'GET') return [{ action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': String(request.query.prefix ?? '') } }];
    if (method === 'HEAD') return [{ action: 's3:ListBucket', resource: bucketArn }];
    return undefined;
  }
  if (method === 'GET' || method === 'HEAD') {
    return [{ action: has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject', resource: objectArn }, ...kms('kms:Decrypt')];
  }
  if (method === 'PUT') {
    const source = request.headers['x-amz-copy-source'];
    const copied = typeof source === 'string' ? decodeURIComponent(source.replace(/^\//, '').split('?')[0]) : undefined;
    return [
      { action: 's3:PutObject', resource: objectArn },
      // A copy reads the source object, decrypted with the source bucket's key.
      ...(copied ? [{ action: 's3:GetObject', resource: `arn:aws:s3:::${copied}` }, ...kmsOf(copied.split('/')[0], 'kms:Decrypt')] : []),
      ...kms('kms:GenerateDataKey'),
    ];
  }
  if (method === 'POST' && has('uploads')) return [{ action: 's3:PutObject', resource: objectArn }, ...kms('kms:GenerateDataKey', 'kms:Decrypt')];
  if (method === 'POST' && has('uploadId')) return [{ action: 's3:PutObject', resource: objectArn }, ...kms('kms:Decrypt')];
  if (method === 'DELETE' && has('uploadId')) return [{ action: 's3:AbortMultipartUpload', resource: objectArn }];
  if (method === 'DELETE') return [{ action: has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject', resource: objectArn }];
  return undefined;
}
