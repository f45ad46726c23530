import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { CreateTrainingJobCommandInput } from '@aws-sdk/client-sagemaker';
import type { Trainer } from '../services/sagemaker/sagemaker';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type RenderOptions } from '../template/cfn-template';
import { AccessDeniedError, type AuthorizationRequest, type LocalIam } from './local-iam';

/** The KMS key ARN of every bucket encrypted with one, by local bucket name. */
export function bucketKeysOf(template: CfnTemplate, render: RenderOptions): Map<string, string> {
  const keys = new Map<string, string>();
  for (const id of resourcesOfType(template, 'AWS::S3::Bucket')) {
    const rules = (
      template.Resources[id].Properties?.BucketEncryption as {
        ServerSideEncryptionConfiguration?: { ServerSideEncryptionByDefault?: { KMSMasterKeyID?: unknown } }[];
      }
    )?.ServerSideEncryptionConfiguration;
    const key = rules?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
    if (key !== undefined) keys.set(resolveIntrinsics(template, { Ref: id }, render) as string, resolveIntrinsics(template, key, render) as string);
  }
  return keys;
}

export const s3Location = (uri: string) => {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1], key: match[2] };
};

/**
 * A training job run as SageMaker runs it: under the job's execution role (RoleArn), which must be
 * able to pull the image from ECR, list and read every object of each input channel (and decrypt
 * with the bucket's key) and write the artifact (encrypting with the output bucket's key). A denial
 * fails the job with SageMaker's "ClientError: ..." before training starts.
 */
export function authorizedTrainer(trainer: Trainer, context: { iam: LocalIam; s3: S3Client; bucketKeys: ReadonlyMap<string, string> }): Trainer {
  const { iam, s3, bucketKeys } = context;
  return async (request: CreateTrainingJobCommandInput, signal?: AbortSignal) => {
    const session = iam.sessionOfRoleArn(request.RoleArn!, 'SageMaker');
    const requests: AuthorizationRequest[] = [...imagePull(request.AlgorithmSpecification?.TrainingImage ?? '')];
    for (const channel of request.InputDataConfig ?? []) {
      const { bucket, key: prefix } = s3Location(channel.DataSource!.S3DataSource!.S3Uri!);
      requests.push({ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 's3:prefix': prefix } });
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) requests.push({ action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/${object.Key}` });
      }
      const key = bucketKeys.get(bucket);
      if (key) requests.push({ action: 'kms:Decrypt', resource: key });
    }
    const output = s3Location(request.OutputDataConfig!.S3OutputPath!);
    const artifact = `${output.key.replace(/\/?$/, '/')}${request.TrainingJobName}/output/model.tar.gz`;
    requests.push({ action: 's3:PutObject', resource: `arn:aws:s3:::${output.bucket}/${artifact}` });
    const outputKey = bucketKeys.get(output.bucket);
    if (outputKey) requests.push({ action: 'kms:GenerateDataKey', resource: outputKey });
    try {
      await iam.authorize(session, requests);
    } catch (err) {
      if (err instanceof AccessDeniedError) throw Object.assign(new Error(err.message), { name: 'ClientError' });
      throw err;
    }
    return trainer(request, signal);
  };
}

/** ECR's pull of `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`. */
export function imagePull(image: string): AuthorizationRequest[] {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)/.exec(image);
  if (!match) throw new Error(`the training image "${image}" is not an ECR image URI`);
  const repository = `arn:aws:ecr:${match[2]}:${match[1]}:repository/${match[3]}`;
  return [
    { action: 'ecr:GetAuthorizationToken', resource: '*' },
    ...['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'].map((action) => ({ action, resource: repository })),
  ];
}
