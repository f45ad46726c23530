import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DistributedMapIo, S3ListedObject } from '../services/stepfunctions/distributed-map';
import { resourcesOfType, type CfnTemplate } from '../template/cfn-template';
import { runAsRole } from './caller-context';
import type { LocalIam } from './local-iam';

/**
 * A Distributed Map's S3 and IAM, as Step Functions makes them: its ItemReader's and
 * ResultWriter's S3 requests under the state machine's role (the local S3 evaluates them with the
 * role's policies, KMS included), and, before the children start, states:StartExecution on the
 * state machine itself (CDK's DistributedMapPolicy grants it).
 */
export function distributedMapIo(context: { s3: S3Client; iam: LocalIam; template: CfnTemplate; stateMachineArn: string }): DistributedMapIo {
  const { s3, iam, template } = context;
  const [machine] = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
  const roleId = (template.Resources[machine].Properties?.RoleArn as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
  if (!roleId) throw new Error(`state machine ${machine} has no RoleArn of a template role: local IAM cannot evaluate its Distributed Map`);
  const asRole = <T>(work: () => Promise<T>) => runAsRole(roleId, work);
  return {
    getObject: (bucket, key) =>
      asRole(async () => {
        const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return response.Body!.transformToString();
      }),
    listObjectsV2: (bucket, prefix) =>
      asRole(async () => {
        const listed: S3ListedObject[] = [];
        let token: string | undefined;
        do {
          const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
          for (const o of page.Contents ?? []) {
            listed.push({
              Etag: o.ETag ?? '',
              Key: o.Key!,
              LastModified: o.LastModified?.toISOString() ?? '',
              Size: o.Size ?? 0,
              StorageClass: o.StorageClass ?? 'STANDARD',
            });
          }
          token = page.NextContinuationToken;
        } while (token);
        return listed;
      }),
    putObject: (bucket, key, body) =>
      asRole(async () => {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
      }),
    async authorizeChildExecutions() {
      try {
        await iam.authorize(iam.sessionOf(roleId, 'local-execution'), [{ action: 'states:StartExecution', resource: context.stateMachineArn }]);
      } catch (err) {
        throw Object.assign(new Error((err as Error).message), { name: 'States.Runtime' });
      }
    },
  };
}
