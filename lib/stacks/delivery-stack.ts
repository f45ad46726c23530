import { Aspects, Stack, Stage, Validations, type StackProps, type StageProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { ServicePrincipalConditions } from '../constructs/service-principal-conditions';
import type { MlopsConfig } from '../config';
import type { Delivery } from '../../lambdas/contracts/config/stages';
import { findingArn } from '../constructs/nag';
import { MlopsOutputs, MlopsStack, stackNameFor } from './mlops-stack';

/**
 * One deployment target: the MLOps stack with a stage's final config, in its account and region.
 * A stage is its own cloud assembly, which the app's validation plugins do not reach: cdk-nag is
 * added here, so the templates the pipeline deploys are checked (synth fails on a finding) and
 * carry their acknowledgements.
 */
export class MlopsStage extends Stage {
  readonly stack: MlopsStack;

  constructor(scope: Construct, id: string, props: StageProps & { readonly config: MlopsConfig }) {
    super(scope, id, props);
    Validations.of(this).addPlugins(new AwsSolutionsChecks(this, { writeSuppressionsToCloudFormation: true }));
    this.stack = new MlopsStack(this, stackNameFor(props.config), {
      config: props.config,
      description: `serverless-mlops (${id}): retraining, deployment and monitoring of the "${props.config.dataset.name}" model`,
    });
  }
}

export interface DeliveryStackProps extends StackProps {
  readonly delivery: Delivery;
  /** The config file the synth step builds (relative to the repository root). */
  readonly configFile: string;
  /** The final config of every stage, by name. */
  readonly stageConfigs: Readonly<Record<string, MlopsConfig>>;
}

/** The commands of the synth step: install exactly, test, synthesize (the same checks as CI). */
export function synthCommands(configFile: string): string[] {
  return ['npm ci', 'npm run lint', 'npm test', `npx cdk synth -c config=${configFile}`];
}

/**
 * The deployment pipeline (CDK Pipelines on CodePipeline): source from a repository connection,
 * a synth step that installs, tests and synthesizes, then every stage in order, each after a
 * manual approval when it requires one and each followed by a check of its deployed outputs.
 * The pipeline updates itself from the repository. Failed executions are published to a topic.
 */
export class DeliveryStack extends Stack {
  readonly pipeline: pipelines.CodePipeline;
  readonly stages: Readonly<Record<string, MlopsStage>>;
  readonly failureTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, props);
    const { delivery } = props;
    const source = pipelines.CodePipelineSource.connection(delivery.repository, delivery.branch, { connectionArn: delivery.connectionArn });
    this.pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: id,
      // Stages in other accounts read the artifacts with a KMS key they are granted.
      crossAccountKeys: true,
      enableKeyRotation: true,
      synth: new pipelines.ShellStep('Synth', { input: source, commands: synthCommands(props.configFile) }),
    });

    const stages: Record<string, MlopsStage> = {};
    for (const name of delivery.stages) {
      const config = props.stageConfigs[name];
      const stage = new MlopsStage(this, name, { config, env: { account: config.stage!.account, region: config.stage!.region } });
      stages[name] = stage;
      const outputs = stage.stack.outputs;
      this.pipeline.addStage(stage, {
        pre: config.stage!.requiresApproval
          ? [
              new pipelines.ManualApprovalStep(`Approve-${name}`, {
                comment: `Deploy ${config.dataset.name} to ${name} (${config.stage!.account}/${config.stage!.region})?`,
              }),
            ]
          : [],
        post: [
          new pipelines.ShellStep(`Check-${name}`, {
            input: source,
            env: { STAGE_ACCOUNT: config.stage!.account!, STAGE_REGION: config.stage!.region },
            // Every output, under the environment variable named like its MlopsOutputs key.
            envFromCfnOutputs: Object.fromEntries(Object.entries(MlopsOutputs).map(([variable, output]) => [variable, outputs[output]])),
            commands: ['node bin/check-stage-outputs.mjs'],
          }),
        ],
      });
    }
    this.stages = stages;
    this.pipeline.buildPipeline();
    grantConnectionUse(this.pipeline, delivery.connectionArn);
    acknowledgePipelineFindings(this.pipeline);

    // EventBridge publishes to the topic; a customer-managed key is needed for that (not aws/sns).
    const key = new kms.Key(this, 'FailureTopicKey', { enableKeyRotation: true, description: `Encrypts the failure topic of ${id}` });
    key.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.failureTopic = new sns.Topic(this, 'FailureTopic', { masterKey: key, enforceSSL: true, displayName: `${id} failures` });
    // Only these two: the stages' constructs condition their own policies.
    for (const scoped of [key, this.failureTopic]) Aspects.of(scoped).add(new ServicePrincipalConditions());
    for (const email of delivery.notificationEmails) this.failureTopic.addSubscription(new subscriptions.EmailSubscription(email));
    this.pipeline.pipeline.onStateChange('Failed', {
      description: 'A delivery pipeline execution failed',
      eventPattern: { detail: { state: ['FAILED'] } },
      target: new targets.SnsTopic(this.failureTopic, {
        message: events.RuleTargetInput.fromText(
          `Pipeline ${events.EventField.fromPath('$.detail.pipeline')} execution ${events.EventField.fromPath('$.detail.execution-id')} failed.`,
        ),
      }),
    });
  }
}

/**
 * CDK grants the source action `codestar-connections:UseConnection`, but IAM matches an action's
 * service prefix against the resource's: on an `arn:aws:codeconnections:` connection that grant
 * allows nothing. The policies holding it get the action under the connection ARN's own prefix.
 */
function grantConnectionUse(pipeline: pipelines.CodePipeline, connectionArn: string): void {
  const prefix = connectionArn.split(':')[2];
  if (prefix === 'codestar-connections') return;
  const policies = pipeline.node.findAll().filter((c): c is iam.Policy => c instanceof iam.Policy);
  const holders = policies.filter((p) => JSON.stringify(p.document.toJSON()).includes('"codestar-connections:UseConnection"'));
  if (holders.length === 0) throw new Error('no pipeline policy grants codestar-connections:UseConnection: CDK Pipelines changed how it grants the connection');
  for (const policy of holders) policy.addStatements(new iam.PolicyStatement({ actions: [`${prefix}:UseConnection`], resources: [connectionArn] }));
}

/**
 * The wildcards CDK Pipelines writes into its own roles, each acknowledged by its exact finding id
 * and scoped as described (cdk-nag would otherwise fail every synth of a config with "delivery").
 */
function acknowledgePipelineFindings(pipeline: pipelines.CodePipeline): void {
  const acknowledge = (id: string, reason: string) => Validations.of(pipeline).acknowledge({ id: `AwsSolutions-${id}`, reason });
  const stack = Stack.of(pipeline);
  const artifacts = pipeline.pipeline.artifactBucket;
  acknowledge(
    'S1',
    'The pipeline artifact bucket (created by CDK Pipelines) only holds build artifacts, is KMS-encrypted and reachable only by the pipeline roles; its access is recorded by CloudTrail.',
  );
  acknowledge(
    `IAM5[Resource::<${stack.getLogicalId(artifacts.node.defaultChild as never)}.Arn>/*]`,
    'Artifacts are named per execution at run time; access is limited to the one artifact bucket.',
  );
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
    acknowledge(`IAM5[Action::${action}]`, "CDK's read/write grant on the pipeline artifact bucket only (the statement names that bucket).");
  }
  for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*'])
    acknowledge(`IAM5[Action::${action}]`, "CDK's grant on the artifact key only (the statement names that key).");
  for (const project of pipeline.node.findAll().filter((c): c is codebuild.CfnProject => c instanceof codebuild.CfnProject)) {
    const id = stack.getLogicalId(project);
    acknowledge(
      `IAM5[Resource::${findingArn(pipeline, 'logs', `log-group:/aws/codebuild/<${id}>:*`)}]`,
      'CodeBuild writes one log stream per build of this project, named at run time.',
    );
    acknowledge(
      `IAM5[Resource::${findingArn(pipeline, 'codebuild', `report-group/<${id}>-*`)}]`,
      'CodeBuild report groups of this project are named per build at run time.',
    );
  }
  acknowledge(
    `IAM5[Resource::${findingArn(pipeline, 'logs', 'log-group:/aws/codebuild/*')}]`,
    'The asset-publishing role serves the CodeBuild projects CDK Pipelines creates per asset; their names are generated.',
  );
  acknowledge(
    `IAM5[Resource::${findingArn(pipeline, 'codebuild', 'report-group/*')}]`,
    'The asset-publishing role serves the CodeBuild projects CDK Pipelines creates per asset; their names are generated.',
  );
  // Both are on CDK Pipelines' own roles: the self-mutation project's and the asset publishers'.
  const selfMutation = pipeline.node.findChild('UpdatePipeline').node.findChild('SelfMutation');
  const filePublishing = pipeline.node.findChild('Assets').node.findChild('FileRole');
  Validations.of(selfMutation).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:*:iam::${stack.account}:role/*]`,
    reason: 'Self-mutation assumes only the CDK bootstrap roles: a condition requires the aws-cdk:bootstrap-role tag (deploy, file- and image-publishing).',
  });
  Validations.of(selfMutation).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: "cloudformation:DescribeStacks and s3:ListBucket, which CDK Pipelines' self-mutation needs on any stack and bucket of the pipeline account.",
  });
  Validations.of(filePublishing).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'codebuild Start/Stop/BatchGetBuilds for the asset-publishing projects CDK Pipelines generates.',
  });
}
