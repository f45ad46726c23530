/**
 * One measured run of distributed-features.bench.ts, in its own process (one local environment per
 * process): starts the local twin on the default config with the feature path forced by
 * minSnapshotBytes, uploads the files, and reports how long the run's feature states took, from
 * entering ChooseFeaturePath to entering NameRun (training is refused at once: it is not measured).
 *
 *   tsx test/bench/distributed-features.child.ts single|distributed <file> <copies> <workers>
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PipelineStates } from '../../lambdas/contracts/states';
import { DEFAULT_CONFIG_PATH, parseConfig } from '../../lib/config';
import { LocalMlops } from '../../lib/local/runtime/local-mlops';
import { synthesizeTemplate } from '../../lib/local/template/synth';

async function main(): Promise<void> {
  const [mode, file, copiesText, workersText] = process.argv.slice(2);
  const copies = Number(copiesText);
  const json = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as { retraining?: Record<string, unknown> };
  // single: above the snapshot's size; distributed: every snapshot.
  json.retraining = { ...json.retraining, distributed: { minSnapshotBytes: mode === 'distributed' ? 1 : 2 ** 50 } };
  const template = synthesizeTemplate(parseConfig(json, DEFAULT_CONFIG_PATH));
  const directory = mkdtempSync(path.join(tmpdir(), `mlops-bench-${mode}-`));
  const local = await LocalMlops.start({
    template,
    directory,
    lambdaWorkers: Number(workersText),
    trainer: () => async () => {
      throw new Error('the benchmark measures feature processing only');
    },
    // Queue timings at a tenth (a 6 s debounce): uploads may still outlast it, see below.
    timeScale: 0.1,
  });
  try {
    const body = readFileSync(file);
    const uploadStart = Date.now();
    for (let k = 0; k < copies; k++) await local.upload(`raw/bench/part-${String(k).padStart(3, '0')}.csv`, body);
    const uploadSeconds = (Date.now() - uploadStart) / 1000;
    await local.idle();
    const runs = local.runReports();
    // Uploads may outlast the debounce: an earlier run may have had part of the files; the last one has them all.
    const run = runs
      .filter((r) => r.data?.rowsRead !== undefined && r.states.some((s) => s.name === PipelineStates.NAME_RUN))
      .reduce<(typeof runs)[number] | undefined>((best, r) => (best === undefined || r.data!.rowsRead > best.data!.rowsRead ? r : best), undefined);
    if (!run) throw new Error(`no run processed the features: ${JSON.stringify(runs.map((r) => [r.name, r.outcome, r.cause]))}`);
    const at = (name: string) => run.states.find((s) => s.name === name)?.at;
    const seconds = (at(PipelineStates.NAME_RUN)! - at(PipelineStates.CHOOSE_FEATURE_PATH)!) / 1000;
    const states = run.states
      .filter((s) => at(PipelineStates.CHOOSE_FEATURE_PATH)! <= s.at && s.at < at(PipelineStates.NAME_RUN)! && s.name !== PipelineStates.CHOOSE_FEATURE_PATH)
      .map((s) => `${s.name} ${((s.durationMs ?? 0) / 1000).toFixed(1)} s`);
    console.log(JSON.stringify({ mode, runs: runs.length, bytes: statSync(file).size * copies, rows: run.data!.rowsRead, seconds, uploadSeconds, states }));
  } finally {
    await local.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
