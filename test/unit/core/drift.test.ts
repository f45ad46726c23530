import reference from '../../fixtures/drift/reference.json';
import { BaselineCounter, type Baseline } from '../../../lambdas/core/features/baseline';
import { ValueHistogram } from '../../../lambdas/core/features/value-histogram';
import { parseCaptureLine, CaptureFormatError } from '../../../lambdas/core/drift/capture';
import { scanCapture } from '../../../lambdas/core/drift/capture-stream';
import {
  chiSquareQuantile,
  jensenShannonDistance,
  ksStatistic,
  populationStabilityIndex,
  robustLInfinity,
  shares,
} from '../../../lambdas/core/drift/distances';
import { DriftWindow, type DriftRules } from '../../../lambdas/core/drift/drift-window';
import { batches, driftMetrics } from '../../../lambdas/core/drift/drift-metrics';

/** Seeded standard normal generator (LCG + Box-Muller), so every run sees the same samples. */
function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 0x1_0000_0000;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A one-feature numeric baseline fitted by the project's own code from `m` standard normals. */
function normalBaseline(m: number, seed = 1): Baseline {
  const next = normals(seed);
  const values = Array.from({ length: m }, next);
  const histogram = new ValueHistogram();
  values.forEach((v) => histogram.add(v));
  const counter = new BaselineCounter([{ name: 'x', type: 'numeric' }], [histogram], 20);
  counter.addRows(values.length, 0);
  return counter.result(true);
}

const rules: DriftRules = { minWindowRecords: 1000, jensenShannon: 0.1, psi: 0.2, driftedShare: 0.5 };

function liveWindow(baseline: Baseline, n: number, shift: number, seed: number): DriftWindow {
  const window = new DriftWindow(baseline);
  const next = normals(seed);
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    rows.push([String(next() + shift)]);
    if (rows.length === 1000) window.add({ rows: rows.splice(0), predictions: [] });
  }
  if (rows.length > 0) window.add({ rows, predictions: [] });
  return window;
}

describe('drift distances equal the scipy/numpy reference values (tolerance 1e-9)', () => {
  test.each(reference.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const p = shares(c.baseline);
    const q = shares(c.live);
    const n = c.live.reduce((a, b) => a + b, 0);
    const m = c.baseline.reduce((a, b) => a + b, 0);
    expect(jensenShannonDistance(p, q)).toBeCloseTo(c.jensenShannon, 9);
    expect(ksStatistic(p, q)).toBeCloseTo(c.ks, 9);
    expect(robustLInfinity(ksStatistic(p, q), n, m)).toBeCloseTo(c.robustLInfinity, 9);
    expect(populationStabilityIndex(p, q)).toBeCloseTo(c.psi, 9);
  });

  test.each(reference.chi2.map((c) => [c.df, c.q99] as const))('chi-square 0.99 quantile at df %d is within 1.5%% of scipy', (df, q99) => {
    expect(Math.abs(chiSquareQuantile(0.99, df) - q99) / q99).toBeLessThan(0.015);
  });
});

describe('drift decisions (properties)', () => {
  const baseline = normalBaseline(20_000);

  test('GIVEN the same distribution at n = 1000 THEN no drift in at least 99% of 200 trials', () => {
    let drifted = 0;
    for (let trial = 0; trial < 200; trial++) if (liveWindow(baseline, 1000, 0, 1000 + trial).summarize(rules).features[0].status === 'drifted') drifted++;
    expect(drifted).toBeLessThanOrEqual(2);
  });

  test('GIVEN a 0.5 sigma shift at n = 1000 THEN drift in every one of 50 trials', () => {
    for (let trial = 0; trial < 50; trial++) {
      const summary = liveWindow(baseline, 1000, 0.5, 5000 + trial).summarize(rules);
      expect(summary.features[0].status).toBe('drifted');
      expect(summary.datasetDrift).toBe(true);
    }
  });

  test('GIVEN a 0.05 sigma shift at n = 1,000,000 THEN no drift (tiny shifts on huge windows are not alarms)', () => {
    const summary = liveWindow(baseline, 1_000_000, 0.05, 99).summarize(rules);
    expect(summary.features[0].status).toBe('stable');
    expect(summary.features[0].psi).toBeLessThan(0.01);
  });

  test('GIVEN fewer rows than the minimum window THEN the verdict is insufficient data, not drift', () => {
    const summary = liveWindow(baseline, 999, 3, 1).summarize(rules);
    expect(summary).toMatchObject({ insufficientData: true, datasetDrift: false, judgedFeatures: 0 });
    expect(summary.features[0].status).toBe('insufficient-data');
  });
});

describe('DriftWindow bookkeeping', () => {
  const baseline: Baseline = {
    version: 1,
    rows: 100,
    label: { positiveShare: 0.2, mean: 0.2 },
    features: [
      {
        name: 'age',
        type: 'numeric',
        count: 100,
        missing: 0,
        missingShare: 0,
        edges: [30, 50],
        counts: [30, 40, 30],
        mean: 40,
        std: 10,
        edgeMethod: { kind: 'histogram', relativeError: 2 ** -10 },
      },
      {
        name: 'city',
        type: 'categorical',
        count: 100,
        missing: 10,
        missingShare: 0.1,
        categories: [
          { value: 'paris', code: 0, count: 60 },
          { value: 'rome', code: 1, count: 20 },
        ],
        otherCount: 10,
      },
      {
        name: 'active',
        type: 'boolean',
        count: 100,
        missing: 0,
        missingShare: 0,
        categories: [
          { value: '0', code: 0, count: 50 },
          { value: '1', code: 1, count: 50 },
        ],
        otherCount: 0,
      },
    ],
  };

  test('GIVEN rows, a malformed row and predictions THEN counts, unseen share and prediction shift are exact', () => {
    const window = new DriftWindow(baseline);
    window.add({
      rows: [
        ['25', '0', '1'],
        ['35', '3', '0'],
        ['60', '', '1'],
        ['1', '2'],
      ],
      predictions: [0.5, 0.3, 0.1, 0.3],
    });
    window.addCorrupted('capture/a.jsonl', 7, 'not valid JSON');
    const summary = window.summarize({ ...rules, minWindowRecords: 1 });
    expect(summary).toMatchObject({
      records: 1,
      rows: 3,
      malformedRows: 1,
      corruptedRecords: 1,
      corruptedExamples: [{ file: 'capture/a.jsonl', line: 7, reason: 'not valid JSON' }],
    });
    const [age, city] = summary.features;
    expect(age.bins.map((b) => [b.label, b.live])).toEqual([
      ['<= 30', 1 / 3],
      ['(30, 50]', 1 / 3],
      ['> 50', 1 / 3],
    ]);
    expect(city.n).toBe(2);
    expect(city.unseenShare).toBe(0.5);
    expect(city.missingShare).toBeCloseTo(1 / 3);
    expect(summary.predictions.mean).toBeCloseTo(0.3);
    expect(summary.predictions.meanShift).toBeCloseTo(0.1);
  });
});

describe('capture records', () => {
  const record = (input: Record<string, unknown>, output?: Record<string, unknown>) =>
    JSON.stringify({
      captureData: { endpointInput: { mode: 'INPUT', ...input }, ...(output ? { endpointOutput: { mode: 'OUTPUT', ...output } } : {}) },
      eventMetadata: { eventId: 'e', inferenceTime: '2026-01-01T00:00:00Z' },
      eventVersion: '0',
    });

  test.each<[string, string, { rows: string[][]; predictions: number[] }]>([
    [
      'CSV, one row',
      record(
        { observedContentType: 'text/csv', data: '1,2,3', encoding: 'CSV' },
        { observedContentType: 'text/csv; charset=utf-8', data: '0.93', encoding: 'CSV' },
      ),
      { rows: [['1', '2', '3']], predictions: [0.93] },
    ],
    [
      'CSV, a batch of rows',
      record(
        { observedContentType: 'text/csv', data: '1,2\r\n3,4\n', encoding: 'CSV' },
        { observedContentType: 'text/csv', data: '0.1\n0.2', encoding: 'CSV' },
      ),
      {
        rows: [
          ['1', '2'],
          ['3', '4'],
        ],
        predictions: [0.1, 0.2],
      },
    ],
    [
      'BASE64 (content type not declared for capture)',
      record({ observedContentType: 'text/csv', data: Buffer.from('5,6').toString('base64'), encoding: 'BASE64' }),
      { rows: [['5', '6']], predictions: [] },
    ],
    [
      'JSON instances',
      record(
        { observedContentType: 'application/json', data: '{"instances":[[1,null],[2,3]]}', encoding: 'JSON' },
        { observedContentType: 'application/json', data: '{"predictions":[{"score":0.4},{"score":0.6}]}', encoding: 'JSON' },
      ),
      {
        rows: [
          ['1', ''],
          ['2', '3'],
        ],
        predictions: [0.4, 0.6],
      },
    ],
    [
      'JSON single row',
      record(
        { observedContentType: 'application/json', data: '[7,8]', encoding: 'JSON' },
        { observedContentType: 'application/json', data: '0.5', encoding: 'JSON' },
      ),
      { rows: [['7', '8']], predictions: [0.5] },
    ],
  ])('GIVEN %s THEN rows and predictions are read', (_case, line, expected) => {
    expect(parseCaptureLine(line)).toEqual({ ...expected, inferenceTime: Date.parse('2026-01-01T00:00:00Z') });
  });

  test.each<[string, string, string]>([
    ['a truncated line', '{"captureData":{"endpointInput"', 'not valid JSON'],
    ['no input', JSON.stringify({ captureData: {} }), 'captureData.endpointInput is missing'],
    ['an unknown encoding', record({ data: 'x', encoding: 'GZIP' }), 'endpointInput.encoding "GZIP" is not CSV, JSON or BASE64'],
    [
      'fewer predictions than rows',
      record({ observedContentType: 'text/csv', data: '1\n2', encoding: 'CSV' }, { observedContentType: 'text/csv', data: '0.1', encoding: 'CSV' }),
      '2 input rows but 1 predictions',
    ],
    [
      'a non-numeric prediction',
      record({ observedContentType: 'text/csv', data: '1', encoding: 'CSV' }, { observedContentType: 'text/csv', data: 'yes', encoding: 'CSV' }),
      'a prediction is not a number',
    ],
  ])('GIVEN %s THEN the record is rejected with a reason', (_case, line, reason) => {
    expect(() => parseCaptureLine(line)).toThrow(CaptureFormatError);
    expect(() => parseCaptureLine(line)).toThrow(reason);
  });
});

describe('drift metrics for CloudWatch', () => {
  test('GIVEN many metrics THEN batches stay within the 1000-datum limit, in order', () => {
    const items = Array.from({ length: 2345 }, (_, i) => i);
    const result = batches(items);
    expect(result.map((b) => b.length)).toEqual([1000, 1000, 345]);
    expect(result.flat()).toEqual(items);
  });

  test('GIVEN insufficient data THEN only the summary metrics are published, never NaN', () => {
    const summary = new DriftWindow(normalBaseline(2000)).summarize(rules);
    const data = driftMetrics('ep', summary);
    expect(data.map((d) => d.MetricName)).toEqual(['RecordsAnalysed', 'CorruptedRecords', 'InsufficientData']);
    expect(data.every((d) => Number.isFinite(d.Value))).toBe(true);
  });
});

describe('capture streaming: the byte path counts exactly what the general path counts', () => {
  const baseline = normalBaseline(5000);
  const two: Baseline = { ...baseline, features: [baseline.features[0], { ...baseline.features[0], name: 'y' }] };
  const line = (data: string, output?: string, time = '2026-11-26T12:00:00Z', encoding = 'CSV') =>
    JSON.stringify({
      captureData: {
        endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data, encoding },
        ...(output === undefined ? {} : { endpointOutput: { observedContentType: 'text/csv', mode: 'OUTPUT', data: output, encoding: 'CSV' } }),
      },
      eventMetadata: { eventId: 'e', inferenceTime: time },
      eventVersion: '0',
    });
  const lines = [
    line('0.5,1.25', '0.9'),
    line('-1,2\n3,4\n', '0.1\n0.2'),
    line(' 7 , ,', undefined),
    line('1e3,abc', '0.3'),
    line('0x10,2', '0.4'),
    line('1,2,3', '0.5'),
    line('1,2\n3,4', '0.1'),
    line('1,2', 'yes'),
    line('5,6', '0.6', '2026-11-26T10:00:00Z'),
    line(Buffer.from('8,9').toString('base64'), '0.7', '2026-11-26T12:30:00Z', 'BASE64'),
    line('say "hi",2', '0.8'),
    '{"captureData":',
    '',
    line('10,11', '0.2,0.3'),
    // Members in another order than SageMaker writes them: the general path reads it.
    '{"eventVersion":"0","captureData":{"endpointOutput":{"data":"0.5","encoding":"CSV"},"endpointInput":{"encoding":"CSV","data":"2,3"}}}',
  ];

  test('GIVEN every kind of line THEN the summaries are identical', async () => {
    const from = Date.parse('2026-11-26T11:00:00Z');
    const to = Date.parse('2026-11-26T13:00:00Z');
    const streamed = new DriftWindow(two);
    const text = `${lines.join('\r\n')}\n`;
    await scanCapture(
      (async function* () {
        for (let i = 0; i < text.length; i += 37) yield Buffer.from(text.slice(i, i + 37));
      })(),
      streamed,
      { file: 'f.jsonl', from, to },
    );

    const general = new DriftWindow(two);
    lines.forEach((l, i) => {
      if (l === '') return;
      try {
        const record = parseCaptureLine(l);
        if (record.inferenceTime !== undefined && (record.inferenceTime < from || record.inferenceTime >= to)) return;
        general.add(record);
      } catch (err) {
        if (!(err instanceof CaptureFormatError)) throw err;
        general.addCorrupted('f.jsonl', i + 1, err.message);
      }
    });
    const a = streamed.summarize({ ...rules, minWindowRecords: 1 });
    const b = general.summarize({ ...rules, minWindowRecords: 1 });
    expect(a).toEqual(b);
    expect(a).toMatchObject({ records: 9, rows: 8, malformedRows: 2, corruptedRecords: 4 });
    expect(a.corruptedExamples.map((c) => c.line)).toEqual([7, 8, 12, 14]);
  });
});
