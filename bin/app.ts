#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../lib/config';
import { DeliveryStack } from '../lib/stacks/delivery-stack';
import { MlopsStack, stackNameFor } from '../lib/stacks/mlops-stack';

/**
 * `cdk synth -c config=path/to/config.json` builds the stack for another data set;
 * `-c stage=prod` builds one stage's stack (its final config, account and region) on its own.
 * A config with a "delivery" section also gets the deployment pipeline stack.
 * Without a stage, stacks are environment-agnostic unless CDK_DEFAULT_ACCOUNT/REGION are set (by
 * `cdk deploy` with credentials), so synth needs no AWS account.
 */
const app = new App();
const configPath = (app.node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG_PATH;
const stageName = app.node.tryGetContext('stage') as string | undefined;
try {
  const config = loadConfig(configPath, stageName);
  const defaultEnv = process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } : undefined;
  const baseName = stackNameFor(config);
  new MlopsStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? (stageName ? `${baseName}-${stageName}` : baseName), {
    config,
    description: `serverless-mlops${stageName ? ` (${stageName})` : ''}: retraining, deployment and monitoring of the "${config.dataset.name}" model`,
    env: config.stage ? { account: config.stage.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: config.stage.region } : defaultEnv,
  });
  if (config.delivery && !stageName) {
    new DeliveryStack(app, `${baseName}-Delivery`, {
      delivery: config.delivery,
      configFile: configPath,
      stageConfigs: Object.fromEntries(config.delivery.stages.map((name) => [name, loadConfig(configPath, name)])),
      env: { account: config.delivery.account, region: config.delivery.region },
      description: `serverless-mlops delivery pipeline of the "${config.dataset.name}" model (${config.delivery.stages.join(' → ')})`,
    });
  }
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
// Every acknowledgement (rule and reason) is also written into the template, for audit and the report.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
app.synth();
