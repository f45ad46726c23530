import * as path from 'node:path';
import type { DriftSummary } from '../../../lambdas/core/drift/drift-window';
import type { ProcessSummary } from '../../../lambdas/core/features/process';
import type { FeatureSpec } from '../../../lambdas/core/features/feature-spec';
import type { DriftCheckResult } from '../../../lambdas/drift-check/handler';
import { featurePaths } from '../../../lambdas/contracts/layout';
import { readJsonAt, readJsonIfExists } from '../../../lambdas/shared/s3';
import type { MlopsConfig } from '../../config';
import type { CfnTemplate } from '../template/cfn-template';
import { LocalMlops } from '../runtime/local-mlops';
import type { ExecutionRecord } from '../services/stepfunctions/step-functions';
import type { AlarmTransition } from '../services/cloudwatch';
import { ProgressView, seconds } from './progress';
import { synthesizeTemplate } from '../template/synth';
import { binaryAuc } from '../trainer/metrics';
import { rawFeatureRows, resample, scaleNumericFeatures, sendTraffic } from './traffic';

const HOUR = 3_600_000;
/** Rows per InvokeEndpoint request of the demo's traffic. */
const BATCH = 100;

export interface DemoOptions {
  readonly config: MlopsConfig;
  /** The sample CSV (with a header); the first `firstUploadRows` rows are uploaded first, the rest later. */
  readonly sample: Buffer;
  readonly directory: string;
  readonly print: (line: string) => void;
  /** @default synthesized in process */
  readonly template?: CfnTemplate;
  /** @default 3000 */
  readonly firstUploadRows?: number;
  /** Rows of traffic per simulated hour. @default 1.5 × monitoring.minWindowRecords */
  readonly rowsPerHour?: number;
  /** What drifted traffic multiplies the numeric features by. @default 1.3 */
  readonly driftFactor?: number;
  /** Evaluate the template's IAM policies on every call of the state machine, the training jobs and the handlers. @default true */
  readonly enforceIam?: boolean;
  /** Called with the live environment before it stops (tests inspect it). */
  readonly beforeStop?: (local: LocalMlops) => Promise<void>;
}

export interface RunOutcome {
  readonly name: string;
  readonly status: string;
  readonly outcome?: string;
  readonly decision?: string;
  readonly metrics?: Record<string, number>;
  readonly error?: string;
}

export interface DemoResult {
  readonly runs: readonly RunOutcome[];
  /** AUC of the deployed model on the held-out rows sent as normal traffic. */
  readonly heldOutAuc: number;
  readonly driftChecks: readonly (DriftCheckResult & { readonly traffic: 'normal' | 'drifted' })[];
  readonly alarmTransitions: readonly AlarmTransition[];
  readonly notificationsFile: string;
  readonly reportFile: string;
  readonly wallTimeMs: number;
  readonly timings: readonly { readonly title: string; readonly ms: number }[];
}

/** Splits a CSV text after its header + `rows` data lines into two CSVs with the header each. */
function splitCsv(sample: Buffer, rows: number): [string, string] {
  const lines = sample.toString('utf8').trimEnd().split(/\r?\n/);
  return [`${lines.slice(0, rows + 1).join('\n')}\n`, `${[lines[0], ...lines.slice(rows + 1)].join('\n')}\n`];
}

/** Rows a data scientist got wrong, to show that bad rows are quarantined with their reasons (not dropped). */
function withBadRows(csv: string): string {
  const [header, first] = csv.split('\n');
  const fields = first.split(',');
  const columns = header.split(',').map((c) => c.replaceAll('"', ''));
  const set = (name: string, value: string) => fields.map((f, i) => (columns[i] === name ? value : f)).join(',');
  return `${csv}${set('total_day_minutes', '"lots"')}\n${set('account_length', '-5')}\n${set('churn', '"maybe"')}\n`;
}

/**
 * The whole lifecycle on the local runtime, narrated: upload → retraining run → deployment →
 * normal and drifted traffic → drift checks → alarm → notification and retraining → a second
 * upload that goes through the gate against the model in production.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { config, print } = options;
  const view = new ProgressView(print, 7);
  const directory = options.directory;
  const stateTimes = new Map<string, { state: string; at: number }[]>();

  const template = await view.run(
    options.template ? 'Read the synthesized template (cdk.out)' : 'Synthesize the stack (the template `cdk deploy` would deploy)',
    async () => {
      const synthesized = options.template ?? synthesizeTemplate(config);
      const count = (type: string) => Object.values(synthesized.Resources).filter((r) => r.Type === type).length;
      view.detail(
        `${Object.keys(synthesized.Resources).length} resources: ${count('AWS::S3::Bucket')} buckets, ${count('AWS::Lambda::Function')} functions, 1 state machine, ${count('AWS::CloudWatch::Alarm')} alarms`,
      );
      return synthesized;
    },
  );

  const local = await view.run('Start the local services', async () => {
    const started = await LocalMlops.start({
      template,
      directory,
      enforceIam: options.enforceIam,
      onNotification: (n) => {
        if (!n.subject?.startsWith('OK:')) view.detail(`SNS → ${n.subject ?? '(no subject)'}`);
      },
      onStateEntered: (execution, state) => {
        const list = stateTimes.get(execution.name) ?? [];
        list.push({ state, at: Date.now() });
        stateTimes.set(execution.name, list);
      },
    });
    view.detail(`S3 ${started.clientEnv.AWS_ENDPOINT_URL_S3} (files in ${path.join(directory, 's3')}); buckets ${Object.values(started.buckets).join(', ')}`);
    view.detail(`Step Functions, SageMaker, SSM, CloudWatch on loopback; endpoint ${started.endpointUrl}`);
    view.detail(started.requestChecks);
    return started;
  });

  const runtime = local.runtimeClient();
  let result: DemoResult;
  try {
    const dataBucket = local.functionSetting('DATA_BUCKET');
    const runs: RunOutcome[] = [];

    /** Waits for what an upload or alarm set off, and describes each run it started. */
    const settle = async () => {
      const before = new Set(runs.map((r) => r.name));
      await local.idle();
      for (const execution of local.stepFunctions.executions.filter((e) => !before.has(e.name))) runs.push(await describeRun(execution));
    };
    const describeRun = async (execution: ExecutionRecord): Promise<RunOutcome> => {
      const times = stateTimes.get(execution.name) ?? [];
      const took = (state: string) => {
        const i = times.findIndex((t) => t.state === state);
        return i >= 0 && i + 1 < times.length ? ` ${seconds(times[i + 1].at - times[i].at)}` : '';
      };
      view.detail(`run ${execution.name}: ${execution.status} in ${seconds((execution.stopDate?.getTime() ?? Date.now()) - execution.startDate.getTime())}`);
      view.detail(`  states: ${times.map((t) => t.state).join(' → ')}`);
      // A run that failed before processing its features has no summary.
      const summary = await readJsonIfExists<Omit<ProcessSummary, 'files'>>(local.s3, dataBucket, featurePaths(execution.name).summary);
      if (summary) {
        view.detail(
          `  ProcessFeatures${took('ProcessFeatures')}: ${summary.rowsRead} rows read, ${summary.accepted} accepted (${summary.train} train / ${summary.validation} validation), ${summary.rejected} quarantined`,
        );
        for (const [reason, count] of Object.entries(summary.rejectedByReason)) view.detail(`    quarantined: ${count} × ${reason}`);
      }
      const published = local.notifier.notifications.map((n) => JSON.parse(n.message) as Record<string, unknown>).filter((m) => m.runId === execution.name);
      const message = published[published.length - 1];
      if (message?.metrics)
        view.detail(
          `  Train${took('Train')}: ${Object.entries(message.metrics as Record<string, number>)
            .map(([k, v]) => `${k} ${v.toFixed(4)}`)
            .join(', ')}`,
        );
      if (message?.decision ?? message?.reason) view.detail(`  gate: ${String(message.decision ?? message.reason)}`);
      if (message?.outcome)
        view.detail(
          `  outcome: ${String(message.outcome)}${message.modelPackageArn ? ` (${String(message.modelPackageArn).split('/').slice(-2).join('/')})` : ''}`,
        );
      if (execution.result?.error) view.detail(`  error: ${execution.result.error}: ${execution.result.cause ?? ''}`);
      // The caught error of the state that failed, as the failure notification carries it.
      if (execution.status === 'FAILED' && message?.cause) view.detail(`  failure: ${String(message.error)}: ${String(message.cause)}`);
      return {
        name: execution.name,
        status: execution.status,
        outcome: message?.outcome as string | undefined,
        decision: (message?.decision ?? message?.reason) as string | undefined,
        metrics: message?.metrics as Record<string, number> | undefined,
        error: execution.result?.error,
      };
    };

    const [firstPart, secondPart] = splitCsv(options.sample, options.firstUploadRows ?? 3000);
    const rawPrefix = config.retraining.rawPrefix;
    await view.run(`Upload ${rawPrefix}churn-part-1.csv: the S3 event → EventBridge rule → debounced queue → trigger → retraining run`, async () => {
      await local.upload(`${rawPrefix}churn-part-1.csv`, firstPart);
      await settle();
    });

    const deployed = local.deployedModel();
    if (!deployed.featureSpecUri) throw new Error('the first run did not deploy a model: see the run above');
    const spec = await readJsonAt<FeatureSpec>(local.s3, deployed.featureSpecUri);
    const heldOut = rawFeatureRows(Buffer.from(secondPart), spec, 'held-out rows');
    const endpointName = config.deployment.endpointName;
    const rowsPerHour = options.rowsPerHour ?? Math.ceil(config.monitoring.minWindowRecords * 1.5);
    const driftFactor = options.driftFactor ?? 1.3;
    const firstHour = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    const driftChecks: DemoResult['driftChecks'][number][] = [];
    const alarmTransitions: AlarmTransition[] = [];
    let reportFile = '';

    /** One simulated hour of traffic, then the scheduled drift check at its end and the alarm evaluation. */
    const hour = async (index: number, traffic: 'normal' | 'drifted') => {
      const start = firstHour + index * HOUR;
      const rows = resample(
        heldOut.rows.map((_, i) => i),
        rowsPerHour,
        7 + index,
      );
      const features = rows.map((i) => heldOut.rows[i]);
      const sent = traffic === 'normal' ? features : scaleNumericFeatures(features, spec, driftFactor);
      // Requests of BATCH rows, spread evenly over the hour (the capture records their time).
      const requests = Math.ceil(rowsPerHour / BATCH);
      let request = 0;
      local.endpoints.clock = () => new Date(start + Math.floor((request++ * HOUR) / requests));
      const predictions = await sendTraffic(runtime, endpointName, spec, sent, BATCH);
      const windowEnd = new Date(start + HOUR);
      local.cloudwatch.clock = () => windowEnd;
      const { result, transitions, reportFile: written } = await local.checkDrift(windowEnd, `drift-${index + 1}-${traffic}`);
      driftChecks.push({ ...result, traffic });
      const report = await readJsonAt<DriftSummary>(local.s3, result.reportUri!);
      const drifted = report.features.filter((f) => f.status === 'drifted');
      const label = `${new Date(start).toISOString().slice(11, 16)}–${windowEnd.toISOString().slice(11, 16)} UTC`;
      view.detail(
        `hour ${label}: ${rowsPerHour} ${traffic} rows → ${result.summary?.driftedFeatures} of ${result.summary?.judgedFeatures} features drifted (share ${result.summary?.driftedShare.toFixed(2)}; alarm at ${config.monitoring.thresholds.driftedShare})`,
      );
      // The verdict of every feature: drifted ones with their PSI, then the others by status.
      if (drifted.length > 0) view.detail(`  drifted: ${drifted.map((f) => `${f.name} (PSI ${f.psi.toFixed(2)})`).join(', ')}`);
      const others = report.features.filter((f) => f.status !== 'drifted');
      for (const status of [...new Set(others.map((f) => f.status))])
        view.detail(
          `  ${status}: ${others
            .filter((f) => f.status === status)
            .map((f) => f.name)
            .join(', ')}`,
        );
      reportFile = written ?? reportFile;
      alarmTransitions.push(...transitions);
      const settled = transitions.filter((t) => t.from === 'INSUFFICIENT_DATA' && t.to === 'OK');
      if (settled.length > 0) view.detail(`  ${settled.length} alarms have data and are OK (their OK notifications are in the log)`);
      for (const t of transitions.filter((x) => !settled.includes(x))) view.detail(`  alarm ${t.alarm.alarmName}: ${t.from} → ${t.to} (${t.reason})`);
      return predictions.map(([p], i) => ({ p, label: heldOut.labels[rows[i]] }));
    };

    let heldOutAuc = 0;
    await view.run(`Normal traffic for one simulated hour through the SageMaker Runtime SDK, then the drift check`, async () => {
      const scored = await hour(0, 'normal');
      heldOutAuc = binaryAuc(
        scored.map((s) => s.p),
        scored.map((s) => (s.label === spec.target.positiveClass ? 1 : 0)),
      );
      view.detail(`AUC of the endpoint on these held-out rows: ${heldOutAuc.toFixed(3)} (0.5 is chance)`);
    });
    await view.run(`Drifted traffic (numeric features × ${driftFactor}) for two hours: drift checks, alarm, retraining`, async () => {
      await hour(1, 'drifted');
      await hour(2, 'drifted');
      await settle();
    });
    await view.run(`Upload ${rawPrefix}churn-part-2.csv (with 3 bad rows): a run over both files, gated against production`, async () => {
      await local.upload(`${rawPrefix}churn-part-2.csv`, withBadRows(secondPart));
      await settle();
    });

    result = {
      runs,
      heldOutAuc,
      driftChecks,
      alarmTransitions,
      notificationsFile: path.join(directory, 'notifications.jsonl'),
      reportFile,
      wallTimeMs: 0,
      timings: [],
    };
    await view.run('Summary', async () => {
      for (const run of runs) view.detail(`run ${run.name}: ${run.status}${run.outcome ? `, ${run.outcome}` : ''}`);
      const endpoint = await local.sagemaker.describeEndpoint({ EndpointName: endpointName });
      view.detail(`endpoint ${endpointName}: ${endpoint.EndpointStatus}, config ${endpoint.EndpointConfigName}`);
      view.detail(`model packages: ${local.sagemaker.modelPackages.map((p) => `v${p.ModelPackageVersion} ${p.ModelApprovalStatus}`).join(', ')}`);
      view.detail(`notifications (${local.notifier.notifications.length}): ${result.notificationsFile}`);
      view.detail(`latest drift report: ${reportFile}`);
    });
    await options.beforeStop?.(local);
  } finally {
    runtime.destroy();
    await local.stop();
  }
  print(`Finished in ${seconds(view.elapsedMs())}.`);
  return { ...result, wallTimeMs: view.elapsedMs(), timings: view.timings };
}
