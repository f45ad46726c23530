import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { DeployedModel } from '../contracts/events';
import { requireEnv } from './env';

/**
 * The deployed-model parameter (DEPLOYED_MODEL_PARAMETER): `{ endpointName, deployed: false }`
 * until a deployment publishes what serves (package, spec, baseline) once its endpoint is InService.
 */
export async function readDeployedModel(ssm: SSMClient): Promise<DeployedModel> {
  const parameter = await ssm.send(new GetParameterCommand({ Name: requireEnv('DEPLOYED_MODEL_PARAMETER') }));
  return JSON.parse(parameter.Parameter?.Value ?? '{}') as DeployedModel;
}
