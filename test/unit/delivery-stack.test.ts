import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../../lib/config';
import { DeliveryStack, MlopsStage, synthCommands } from '../../lib/stacks/delivery-stack';
import { cdkJsonContext } from '../helpers/app';

/** The delivery pipeline of the shipped multi-stage example: dev, then an approval, then prod. */
const configFile = path.join('config', 'churn-stages.json');
const config = loadConfig(configFile);
// The stage stacks' Lambda bundles are not what these tests are about.
const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
const stack = new DeliveryStack(app, 'Delivery', {
  delivery: config.delivery!,
  configFile,
  stageConfigs: { dev: loadConfig(configFile, 'dev'), prod: loadConfig(configFile, 'prod') },
  env: { account: config.delivery!.account, region: config.delivery!.region },
});
const template = Template.fromStack(stack);
type Stage = {
  Name: string;
  Actions: { Name: string; RunOrder?: number; ActionTypeId: { Category: string; Provider: string }; Configuration?: Record<string, unknown> }[];
};
const pipelineStages = (): Stage[] => {
  const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
  return (pipeline.Properties as { Stages: Stage[] }).Stages;
};
const stage = (name: string) => pipelineStages().find((s) => s.Name === name)!;
const definition = (name: 'dev' | 'prod') => JSON.stringify(Template.fromStack(stack.stages[name].stack).findResources('AWS::StepFunctions::StateMachine'));

describe('delivery pipeline stack', () => {
  test('GIVEN the config THEN stages run source, build, self-update, then dev before prod', () => {
    const names = pipelineStages().map((s) => s.Name);
    expect(names.slice(0, 3)).toEqual(['Source', 'Build', 'UpdatePipeline']);
    expect(names.indexOf('dev')).toBeGreaterThan(names.indexOf('UpdatePipeline'));
    expect(names.indexOf('prod')).toBe(names.indexOf('dev') + 1);
  });

  test('GIVEN the repository connection THEN the source action uses its ARN, repository and branch', () => {
    const [source] = stage('Source').Actions;
    expect(source.ActionTypeId).toMatchObject({ Category: 'Source', Provider: 'CodeStarSourceConnection' });
    expect(source.Configuration).toMatchObject({
      ConnectionArn: config.delivery!.connectionArn,
      FullRepositoryId: 'example-org/serverless-mlops',
      BranchName: 'main',
    });
  });

  test('GIVEN the synth step THEN it installs exactly, lints, tests and synthesizes this config', () => {
    expect(synthCommands(configFile)).toEqual(['npm ci', 'npm run lint', 'npm test', 'npx cdk synth -c config=config/churn-stages.json']);
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Source: { BuildSpec: Match.serializedJson(Match.objectLike({ phases: { build: { commands: synthCommands(configFile) } } })) },
    });
  });

  test('GIVEN prod requires approval THEN a manual approval runs before its deployment and none before dev', () => {
    const prod = stage('prod').Actions;
    const approval = prod.find((a) => a.ActionTypeId.Category === 'Approval')!;
    const deploys = prod.filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
    expect(approval.Name).toBe('Approve-prod');
    expect(deploys.length).toBeGreaterThan(0);
    for (const deploy of deploys) expect(deploy.RunOrder!).toBeGreaterThan(approval.RunOrder!);
    expect(stage('dev').Actions.filter((a) => a.ActionTypeId.Category === 'Approval')).toEqual([]);
  });

  test('GIVEN each stage THEN a check of its outputs runs after its deployment', () => {
    for (const name of ['dev', 'prod']) {
      const actions = stage(name).Actions;
      const check = actions.find((a) => a.Name === `Check-${name}`)!;
      const lastDeploy = Math.max(...actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation').map((a) => a.RunOrder!));
      expect(check.ActionTypeId.Provider).toBe('CodeBuild');
      expect(check.RunOrder!).toBeGreaterThan(lastDeploy);
    }
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Source: { BuildSpec: Match.serializedJson(Match.objectLike({ phases: { build: { commands: ['node bin/check-stage-outputs.mjs'] } } })) },
    });
  });

  test('GIVEN a failed execution THEN an EventBridge rule publishes it to the encrypted failure topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.codepipeline'], 'detail-type': ['CodePipeline Pipeline Execution State Change'], detail: { state: ['FAILED'] } },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('FailureTopic') } })],
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ml-platform@example.com' });
  });

  test('GIVEN the stages THEN each deploys to its own account and region with its own final config', () => {
    expect(stack.stages.dev.stack.account).toBe('111111111111');
    expect(stack.stages.prod.stack.account).toBe('222222222222');
    expect(definition('dev')).toContain('ServerlessConfig');
    expect(definition('dev')).not.toContain('PendingManualApproval');
    expect(definition('prod')).toContain('\\"InstanceType\\":\\"ml.m5.large\\"');
    expect(definition('prod')).toContain('PendingManualApproval');
  });

  test('GIVEN a codeconnections connection ARN THEN the source role may use it under that service prefix', () => {
    // IAM matches an action's prefix to the resource's: codestar-connections:UseConnection alone allows nothing here.
    expect(config.delivery!.connectionArn).toMatch(/^arn:aws:codeconnections:/);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['codeconnections:UseConnection']), Resource: config.delivery!.connectionArn }),
        ]),
      },
    });
  });

  test('GIVEN a stage THEN cdk-nag runs on its own assembly: its template carries the acknowledgements, and a finding fails synth', () => {
    const assembly = app.synth();
    const stageTemplate = assembly.getNestedAssembly(stack.stages.prod.artifactId).getStackByName(stack.stages.prod.stack.stackName).template as {
      Resources: Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress?: { id: string; reason: string }[] } } }>;
    };
    const acknowledgements = Object.values(stageTemplate.Resources).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const a of acknowledgements) expect(a.reason.length).toBeGreaterThan(20);

    // Negative control: an unacknowledged finding (a bucket without TLS-only policy or logs) inside a stage fails its synth.
    const failing = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const failingStage = new MlopsStage(failing, 'dev', { config: loadConfig(configFile, 'dev'), env: { account: '111111111111', region: 'eu-west-1' } });
    new s3.Bucket(failingStage.stack, 'Unchecked');
    expect(() => failing.synth()).toThrow(/AwsSolutions-S1|AwsSolutions-S10|Validation failed/);
  });

  test('GIVEN cdk-nag THEN the pipeline and both stages have no unacknowledged finding', () => {
    const checks = new AwsSolutionsChecks(app);
    for (const scope of [stack, stack.stages.dev.stack, stack.stages.prod.stack]) expect(checks.validateScope(scope).violations).toEqual([]);
  });
});
