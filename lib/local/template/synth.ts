import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import type { MlopsConfig } from '../../config';
import { MlopsStack, stackNameFor } from '../../stacks/mlops-stack';
import type { CfnTemplate } from './cfn-template';

const ROOT = path.join(__dirname, '..', '..', '..');

/**
 * Synthesizes the stack in process with the context of cdk.json, as `cdk synth` does. Lambda
 * bundling is skipped: the local runtime runs the handler sources, not the bundles.
 */
export function synthesizeTemplate(config: MlopsConfig): CfnTemplate {
  const { context } = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] }, outdir: undefined });
  const stack = new MlopsStack(app, stackNameFor(config), { config });
  return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
}

/** Reads the template `cdk synth` wrote, with an error that says how to produce it. */
export function readSynthesizedTemplate(cdkOut: string, stackName: string): CfnTemplate {
  const file = path.join(cdkOut, `${stackName}.template.json`);
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: run \`npm run synth\` first (or leave out --cdk-out to synthesize in process)`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
}
