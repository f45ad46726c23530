import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { CfnTemplate } from './cfn-template';

/**
 * Synthesizes the stack of a config file in a child process and returns its template. The CDK's
 * construct tree takes some 340 MB while it synthesizes, which a long-lived process (`mlops up`)
 * would otherwise keep as its resident high-water mark for days; the child gives it all back.
 */
export function synthesizeInChildProcess(configPath: string, stage: string | undefined, scratchFile: string): CfnTemplate {
  const script = path.join(__dirname, `synth-child${path.extname(__filename)}`);
  const args = path.extname(__filename) === '.ts' ? [require.resolve('tsx/cli'), script] : [script];
  try {
    execFileSync(process.execPath, [...args, configPath, stage ?? '', scratchFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    // The child prints the config error (naming the file and field) on stderr.
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(stderr || (err as Error).message, { cause: err });
  }
  try {
    return JSON.parse(readFileSync(scratchFile, 'utf8')) as CfnTemplate;
  } finally {
    rmSync(scratchFile, { force: true });
  }
}
