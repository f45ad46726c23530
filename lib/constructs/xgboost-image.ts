import { Aws, CfnMapping, Fn, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import registries from './xgboost-registries.json';

const MAPPING_ID = 'XgboostImageRegistry';

/**
 * The SageMaker built-in XGBoost image for the stack's region, resolved at deploy time from a
 * region → registry-account mapping (no region is hard-coded; the stack stays environment-agnostic).
 */
export function xgboostImage(scope: Construct, version: string): { uri: string; repositoryArn: string } {
  if (!registries.versions.includes(version)) throw new Error(`XGBoost image version ${version} is not one of ${registries.versions.join(', ')}`);
  const stack = Stack.of(scope);
  const mapping =
    (stack.node.tryFindChild(MAPPING_ID) as CfnMapping | undefined) ??
    new CfnMapping(stack, MAPPING_ID, { mapping: Object.fromEntries(Object.entries(registries.registries).map(([region, account]) => [region, { account }])) });
  const account = mapping.findInMap(Aws.REGION, 'account');
  return {
    uri: Fn.join('', [account, '.dkr.ecr.', Aws.REGION, '.', Aws.URL_SUFFIX, `/${registries.repository}:${version}`]),
    repositoryArn: Fn.join('', ['arn:', Aws.PARTITION, ':ecr:', Aws.REGION, ':', account, `:repository/${registries.repository}`]),
  };
}
