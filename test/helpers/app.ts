import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { MlopsConfig } from '../../lib/config';
import { MlopsStack } from '../../lib/stacks/mlops-stack';
import { makeConfig } from './config';

/** The context from cdk.json (feature flags), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export function newApp(): App {
  return new App({ context: cdkJsonContext() });
}

/** A bare stack in an app configured like the real one, for testing a single construct. */
export function newStack(): Stack {
  return new Stack(newApp(), 'TestStack');
}

/** The full stack for a config, and its template. */
export function synthMlopsStack(config: MlopsConfig = makeConfig()): { stack: MlopsStack; template: Template } {
  const stack = new MlopsStack(newApp(), 'TestMlops', { config });
  return { stack, template: Template.fromStack(stack) };
}
