import { bucketKeysOf } from '../../../lib/local/iam/authorized-training';
import { AccessDeniedError, LocalIam } from '../../../lib/local/iam/local-iam';
import { jsonServiceAuthorizer, s3Authorizer } from '../../../lib/local/iam/service-authorizers';
import { s3Requests } from '../../../lib/local/iam/service-calls';
import { localBucketName } from '../../../lib/local/runtime/local-mlops';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate } from '../../../lib/local/template/cfn-template';
import { synthesizeTemplate } from '../../../lib/local/template/synth';
import { makeConfig } from '../../helpers/config';

/** Local IAM evaluates the synthesized template's own policies: these show it refuses what AWS would. */
const template = synthesizeTemplate(makeConfig()) as CfnTemplate;
const buckets = Object.fromEntries(resourcesOfType(template, 'AWS::S3::Bucket').map((id) => [id, localBucketName(id)]));
const render = { region: 'us-east-1', physicalNames: buckets };
const iam = new LocalIam(template, render);
const roleOf = (prefix: string) => resourcesOfType(template, 'AWS::IAM::Role').find((id) => id.startsWith(prefix))!;
const arnOf = (prefix: string, type: string, attribute = 'Arn') =>
  resolveIntrinsics(template, { 'Fn::GetAtt': [resourcesOfType(template, type).find((id) => id.startsWith(prefix))!, attribute] }, render) as string;
const stateMachine = iam.sessionOf(roleOf('RetrainingPipelineStateMachineRole'), 'test');
const featureProcessing = iam.sessionOf(roleOf('RetrainingPipelineFeatureProcessingRole'), 'test');
const sagemakerRole = arnOf('RetrainingPipelineSageMakerRole', 'AWS::IAM::Role');
const topic = resolveIntrinsics(template, { Ref: resourcesOfType(template, 'AWS::SNS::Topic')[0] }, render) as string;
const key = arnOf('DataLakeKey', 'AWS::KMS::Key');

const denial = (promise: Promise<void>) =>
  promise.then(
    () => 'allowed',
    (err: Error) => (err instanceof AccessDeniedError ? err.message : `threw ${err.message}`),
  );

describe('local IAM from the template', () => {
  test('GIVEN iam:PassRole THEN the state machine may pass the SageMaker role to SageMaker only (the condition is evaluated)', async () => {
    const pass = (service: string) =>
      iam.authorize(stateMachine, [{ action: 'iam:PassRole', resource: sagemakerRole, context: { 'iam:PassedToService': service } }]);
    expect(await denial(pass('sagemaker.amazonaws.com'))).toBe('allowed');
    expect(await denial(pass('lambda.amazonaws.com'))).toMatch(/is not authorized to perform: iam:PassRole on resource: arn:aws:iam::000000000000:role\//);
  });

  test('GIVEN the encrypted topic THEN publishing needs sns:Publish and the key, which only granted roles have', async () => {
    const publish = [
      { action: 'sns:Publish', resource: topic },
      { action: 'kms:GenerateDataKey', resource: key },
    ];
    expect(await denial(iam.authorize(stateMachine, publish))).toBe('allowed');
    expect(await denial(iam.authorize(featureProcessing, publish))).toMatch(
      /assumed-role\/RetrainingPipelineFeatureProcessingRole\w*\/test is not authorized to perform: sns:Publish on resource: arn:aws:sns:us-east-1:000000000000:/,
    );
  });

  test('GIVEN the TLS-only bucket policy THEN a request without TLS is explicitly denied even to a role allowed to read', async () => {
    const object = `arn:aws:s3:::${buckets[resourcesOfType(template, 'AWS::S3::Bucket').find((id) => id.startsWith('DataLakeDataBucket'))!]}/raw/upload.csv`;
    const read = (secure: string) =>
      iam.authorize(featureProcessing, [{ action: 's3:GetObject', resource: object, context: { 'aws:SecureTransport': secure } }]);
    expect(await denial(read('true'))).toBe('allowed');
    expect(await denial(read('false'))).toMatch(/s3:GetObject on resource: arn:aws:s3:::data-lake-data-bucket\/raw\/upload.csv because an explicit deny/);
  });

  test("GIVEN GetExecutionHistory from the trigger's role THEN IAM evaluates states:GetExecutionHistory on the execution (denied: its policies grant only starting and listing)", async () => {
    const authorize = jsonServiceAuthorizer(iam, 'us-east-1');
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:m:snapshot-1';
    const call = authorize({
      role: `${roleOf('RetrainingTriggerHandlerRole')}/trigger`,
      targetPrefix: 'AWSStepFunctions',
      operation: 'GetExecutionHistory',
      input: { executionArn },
    } as never);
    await expect(call).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('states:GetExecutionHistory') });
    await expect(call).rejects.toMatchObject({ message: expect.stringContaining(executionArn) });
  });

  test('GIVEN a role and an action its policies never name THEN it is denied and the decision is recorded', async () => {
    const job = 'arn:aws:sagemaker:us-east-1:000000000000:training-job/churn-1';
    expect(await denial(iam.authorize(featureProcessing, [{ action: 'sagemaker:CreateTrainingJob', resource: job }]))).toMatch(
      /because no identity-based policy allows the sagemaker:CreateTrainingJob action$/,
    );
    expect(iam.decisions.at(-1)).toMatchObject({ action: 'sagemaker:CreateTrainingJob', resource: job, allowed: false });
  });

  test('GIVEN S3 REST requests THEN each maps to the action IAM checks, with s3:prefix and the bucket key', () => {
    const keys = bucketKeysOf(template, render);
    const get = s3Requests({ method: 'GET', path: '/data-lake-data-bucket/raw/a%20b.csv', query: {}, headers: {} }, keys)!;
    expect(get).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::data-lake-data-bucket/raw/a b.csv' },
      { action: 'kms:Decrypt', resource: key },
    ]);
    expect(s3Requests({ method: 'GET', path: '/data-lake-data-bucket', query: { 'list-type': '2', prefix: 'raw/' }, headers: {} }, keys)).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::data-lake-data-bucket', context: { 's3:prefix': 'raw/' } },
    ]);
    // The bucket's versioning, which the local S3 serves: its own actions, not a listing.
    expect(s3Requests({ method: 'GET', path: '/data-lake-data-bucket', query: { versioning: '' }, headers: {} }, keys)).toEqual([
      { action: 's3:GetBucketVersioning', resource: 'arn:aws:s3:::data-lake-data-bucket' },
    ]);
    expect(s3Requests({ method: 'PUT', path: '/data-lake-data-bucket', query: { versioning: '' }, headers: {} }, keys)).toEqual([
      { action: 's3:PutBucketVersioning', resource: 'arn:aws:s3:::data-lake-data-bucket' },
    ]);
    expect(s3Requests({ method: 'PATCH', path: '/data-lake-data-bucket/x', query: {}, headers: {} }, keys)).toBeUndefined();
    // A copy reads the source with the source bucket's key and writes with the destination's.
    const twoKeys = new Map([
      ['source', 'arn:aws:kms:us-east-1:000000000000:key/source'],
      ['target', 'arn:aws:kms:us-east-1:000000000000:key/target'],
    ]);
    expect(s3Requests({ method: 'PUT', path: '/target/copy.csv', query: {}, headers: { 'x-amz-copy-source': '/source/raw/a.csv' } }, twoKeys)).toEqual([
      { action: 's3:PutObject', resource: 'arn:aws:s3:::target/copy.csv' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::source/raw/a.csv' },
      { action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:000000000000:key/source' },
      { action: 'kms:GenerateDataKey', resource: 'arn:aws:kms:us-east-1:000000000000:key/target' },
    ]);
  });

  test("GIVEN a handler's S3 request THEN it is evaluated under its role: the feature function may read raw/ but not list it, nor write drift/", async () => {
    const authorize = s3Authorizer(iam, bucketKeysOf(template, render));
    const role = `${roleOf('RetrainingPipelineFeatureProcessingRole')}/FeatureProcessingFunction`;
    const request = (method: string, requestPath: string, query: Record<string, string> = {}) =>
      denial(authorize(role, { method, path: requestPath, query, headers: {} }));
    expect(await request('GET', '/data-lake-data-bucket/raw/upload.csv')).toBe('allowed');
    expect(await request('GET', '/data-lake-data-bucket', { 'list-type': '2', prefix: 'raw/' })).toMatch(/not authorized to perform: s3:ListBucket/);
    expect(await request('PUT', '/data-lake-data-bucket/drift/report.html')).toMatch(
      /not authorized to perform: s3:PutObject on resource: arn:aws:s3:::data-lake-data-bucket\/drift\/report.html/,
    );
    // The account's own user (no handler role, e.g. the CLI's upload) is not a function's role.
    expect(await denial(authorize(undefined, { method: 'PUT', path: '/data-lake-data-bucket/raw/x.csv', query: {}, headers: {} }))).toBe('allowed');
  });
});
