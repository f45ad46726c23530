import type { ServiceAuth } from '../../auth/request-auth';
import { startJsonRpcServer, type RequestAuthorizer, type RunningServer } from '../json-rpc-server';
import type { LocalSageMaker } from './sagemaker';

/**
 * Serves the operations SDK clients (the evaluation handler) call over HTTP (`X-Amz-Target:
 * SageMaker.<Operation>`, JSON 1.1), so unmodified handlers reach it via AWS_ENDPOINT_URL_SAGEMAKER.
 */
export function startSageMakerServer(local: LocalSageMaker, port = 0, authorize?: RequestAuthorizer, auth?: ServiceAuth): Promise<RunningServer> {
  return startJsonRpcServer(
    {
      title: 'local SageMaker',
      targetPrefix: 'SageMaker',
      signingName: 'sagemaker',
      protocol: '1.1',
      operations: {
        DescribeTrainingJob: (input) => local.describeTrainingJob(input),
        StopTrainingJob: (input) => local.stopTrainingJob(input),
        ListModelPackages: (input) => local.listModelPackages(input),
        DescribeModelPackage: (input) => local.describeModelPackage(input),
        UpdateModelPackage: (input) => local.updateModelPackage(input),
      },
    },
    port,
    authorize,
    auth,
  );
}
