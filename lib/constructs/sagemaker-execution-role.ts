import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CAPTURE_PREFIX, FEATURES_PREFIX, MODELS_PREFIX } from '../../lambdas/contracts/layout';
import type { DataLake } from './data-lake';
import { acknowledgeObjectPrefix, findingArn } from './nag';

export interface SageMakerExecutionRoleProps {
  readonly dataLake: DataLake;
  /** The XGBoost image repository the jobs and models pull. */
  readonly imageRepositoryArn: string;
}

/**
 * The role SageMaker assumes for training jobs and the endpoint's model: read features, write
 * models and capture data, use the key, pull the XGBoost image, write its own logs and metrics.
 */
export class SageMakerExecutionRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SageMakerExecutionRoleProps) {
    super(scope, id);
    const { dataLake } = props;
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `SageMaker training and hosting for ${stack.stackName}`,
    });
    const add = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      this.role.addToPolicy(new iam.PolicyStatement({ actions, resources, conditions }));
    dataLake.grantReadFeatures(this.role);
    dataLake.grantReadWriteModels(this.role);
    dataLake.grantWriteCapture(this.role);
    // Encrypted volumes and outputs: SageMaker creates grants on the key as this role.
    add(['kms:CreateGrant', 'kms:DescribeKey'], [dataLake.key.keyArn]);
    add(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], [props.imageRepositoryArn]);
    add(['ecr:GetAuthorizationToken'], ['*']);
    add(
      ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    );
    add(['cloudwatch:PutMetricData'], ['*'], { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } });

    acknowledgeObjectPrefix(this.role, dataLake.dataBucket, FEATURES_PREFIX, "Training reads the run's features, named at run time.");
    acknowledgeObjectPrefix(this.role, dataLake.modelsBucket, MODELS_PREFIX, 'Training writes models/<job>/output, named at run time; hosting reads it.');
    acknowledgeObjectPrefix(
      this.role,
      dataLake.captureBucket,
      CAPTURE_PREFIX,
      'Data capture writes capture/<endpoint>/<variant>/<date>/..., named at run time.',
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken has no resource-level permissions; cloudwatch:PutMetricData has none either and is limited by a condition to the /aws/sagemaker/* namespaces.',
    });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${findingArn(this, 'logs', 'log-group:/aws/sagemaker/*')}]`,
      reason: 'SageMaker names its log groups /aws/sagemaker/TrainingJobs and /aws/sagemaker/Endpoints/<name> and streams per job at run time.',
    });
  }
}
