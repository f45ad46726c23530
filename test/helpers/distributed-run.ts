import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalMlops } from '../../lib/local/runtime/local-mlops';
import { makeConfig } from './config';
import { SAMPLE } from './pipeline';

/** A config whose every snapshot takes the Distributed Map path (1 MiB shards, 2 per child). */
export const distributedConfig = makeConfig({
  retraining: { distributed: { minSnapshotBytes: 1, shardBytes: 1024 * 1024, shardsPerChild: 2, maxConcurrency: 8 } },
});

/** The sample's rows as `count` files. */
export function sampleFiles(count: number): Record<string, string> {
  const [header, ...rows] = SAMPLE.trimEnd().split('\n');
  const per = Math.ceil(rows.length / count);
  return Object.fromEntries(
    Array.from({ length: count }, (_, f) => [
      `raw/parts/part-${String(f).padStart(3, '0')}.csv`,
      [header, ...rows.slice(f * per, (f + 1) * per)].join('\n') + '\n',
    ]),
  );
}

/** Starts the local environment on `template` with 2 Lambda workers, uploads the files and waits until every run ended. */
export async function runDistributed(template: Parameters<typeof LocalMlops.start>[0]['template'], files: Record<string, string>) {
  const errors: Error[] = [];
  const local = await LocalMlops.start({
    template,
    directory: mkdtempSync(path.join(tmpdir(), 'mlops-distributed-')),
    lambdaWorkers: 2,
    onBackgroundError: (err) => errors.push(err),
  });
  await Promise.all(Object.entries(files).map(([key, body]) => local.upload(key, body)));
  await local.idle();
  return { local, errors, runs: local.runReports() };
}
