/** One demo run in a fresh process (a process hosts one local environment); prints its timings as JSON. `no-iam` turns local IAM off. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { runDemo } from '../../lib/local/cli/demo';
import { routeLambdaLogs } from '../../lib/local/runtime/lambda-logs';

async function main(): Promise<void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'mlops-bench-demo-'));
  const restore = routeLambdaLogs(path.join(directory, 'lambda.log'));
  const result = await runDemo({
    config: loadConfig(),
    sample: readFileSync(path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv')),
    directory,
    print: () => undefined,
    enforceIam: process.argv[2] !== 'no-iam',
  }).finally(restore);
  process.stdout.write(`${JSON.stringify({ wallTimeMs: result.wallTimeMs, timings: result.timings, runs: result.runs.map((r) => r.outcome) })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
