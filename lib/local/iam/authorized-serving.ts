import type { EndpointServing } from '../services/sagemaker/sagemaker';
import { ModelStartError } from '../services/sagemaker/sagemaker';
import { AccessDeniedError, type AuthorizationRequest, type LocalIam } from './local-iam';
import { imagePull, s3Location } from './authorized-training';

/**
 * An endpoint's models started as SageMaker starts them: under each model's execution role
 * (ExecutionRoleArn), which must pull the container image from ECR, read the artifact
 * (ModelDataUrl) and decrypt it with its bucket's key. A denial fails the endpoint with
 * SageMaker's "Could not access model data" reason; the previous model keeps serving.
 */
export function authorizedServing(
  serving: EndpointServing | undefined,
  context: { iam: LocalIam; region: string; bucketKeys: ReadonlyMap<string, string> },
): EndpointServing {
  const { iam, region, bucketKeys } = context;
  return async (endpointName, config, models) => {
    for (const model of models) {
      const container = model.PrimaryContainer!;
      const artifact = s3Location(container.ModelDataUrl!);
      const requests: AuthorizationRequest[] = [
        ...imagePull(container.Image!),
        { action: 's3:GetObject', resource: `arn:aws:s3:::${artifact.bucket}/${artifact.key}` },
        ...(bucketKeys.has(artifact.bucket) ? [{ action: 'kms:Decrypt', resource: bucketKeys.get(artifact.bucket)! }] : []),
      ];
      try {
        await iam.authorize(iam.sessionOfRoleArn(model.ExecutionRoleArn!, 'SageMaker'), requests);
      } catch (err) {
        if (!(err instanceof AccessDeniedError)) throw err;
        const role = `the role "${model.ExecutionRoleArn}"`;
        throw new ModelStartError(
          err.request.action.startsWith('ecr:')
            ? `Could not pull the image ${container.Image} with ${role}. (${err.message})`
            : `Could not access model data at ${container.ModelDataUrl}. Please ensure that ${role} exists and that its trust relationship policy allows the action "sts:AssumeRole" for the service principal "sagemaker.amazonaws.com". Also ensure that the role has "s3:GetObject" permissions and that the object is located in ${region}. (${err.message})`,
        );
      }
    }
    await serving?.(endpointName, config, models);
  };
}
