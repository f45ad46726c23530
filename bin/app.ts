#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../lib/config';
import { MlopsStack } from '../lib/stacks/mlops-stack';

/**
 * `cdk synth -c config=path/to/config.json` builds the stack for another data set.
 * Stacks are environment-agnostic unless CDK_DEFAULT_ACCOUNT/REGION are set (by `cdk deploy`
 * with credentials), so synth needs no AWS account.
 */
const app = new App();
const configPath = (app.node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG_PATH;
try {
  const config = loadConfig(configPath);
  new MlopsStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? `ServerlessMlops-${config.dataset.name}`, {
    config,
    description: `serverless-mlops: retraining, deployment and monitoring of the "${config.dataset.name}" model`,
    env: process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } : undefined,
  });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
