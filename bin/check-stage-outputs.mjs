#!/usr/bin/env node
/* global process, console */
/**
 * The delivery pipeline's check after deploying a stage: the stack's outputs (handed over as
 * environment variables by CDK Pipelines) must name resources of that stage's account and region.
 * Plain Node.js with no dependencies, so it runs in the CodeBuild step without `npm ci`.
 * Exits 1 with every problem listed.
 */
const env = process.env;
const account = env.STAGE_ACCOUNT;
const region = env.STAGE_REGION;
const arnOf = (service, kind) => new RegExp(`^arn:aws[a-z-]*:${service}:${region}:${account}:${kind}`);

const checks = [
  ['DATA_BUCKET', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'],
  ['STATE_MACHINE_ARN', arnOf('states', 'stateMachine:'), `a state machine ARN in ${account}/${region}`],
  ['ENDPOINT_NAME', /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'a SageMaker endpoint name'],
  ['TOPIC_ARN', arnOf('sns', ''), `an SNS topic ARN in ${account}/${region}`],
  ['DEPLOYED_MODEL_PARAMETER', /^\/.+\/deployed-model$/, 'the deployed-model SSM parameter name'],
];

const problems = [];
if (!/^\d{12}$/.test(account ?? '')) problems.push(`STAGE_ACCOUNT: "${account ?? ''}" is not an account id`);
if (!region) problems.push('STAGE_REGION: not set');
for (const [name, pattern, what] of checks) {
  const value = env[name];
  if (!value) problems.push(`${name}: missing (the stack output was not passed on)`);
  else if (!pattern.test(value)) problems.push(`${name}: "${value}" is not ${what}`);
}
if (problems.length > 0) {
  console.error(`The deployed stage's outputs are wrong:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`stage outputs OK: bucket ${env.DATA_BUCKET}, state machine ${env.STATE_MACHINE_ARN}, endpoint ${env.ENDPOINT_NAME}`);
