import { formatCaptureRecord } from '../../../lambdas/core/drift/capture';
import { scanCapture } from '../../../lambdas/core/drift/capture-stream';
import { DriftWindow } from '../../../lambdas/core/drift/drift-window';
import { renderDriftReport } from '../../../lambdas/core/drift/report-html';
import type { Baseline } from '../../../lambdas/core/features/baseline';
import { EndpointOutputError, formatXgboostOutput, parseXgboostOutput, pythonFloat } from '../../../lambdas/core/xgboost-output';
import { makeConfig } from '../../helpers/config';

describe("the built-in XGBoost container's text/csv answer", () => {
  test("GIVEN floats THEN they are written as Python's str() writes them", () => {
    expect([0.5, 1, 0, 1e-5, -2.5e-7, 1e16, 1e15, 0.699999988079071].map(pythonFloat)).toEqual([
      '0.5',
      '1.0',
      '0.0',
      '1e-05',
      '-2.5e-07',
      '1e+16',
      '1000000000000000.0',
      '0.699999988079071',
    ]);
  });

  test('GIVEN single-output and multi-class rows THEN the answer is joined by commas, a [..] list per multi-class row, and parses back', () => {
    const single = formatXgboostOutput([[0.25], [0.7]], false);
    expect(single).toBe('0.25,0.699999988079071');
    expect(parseXgboostOutput(single)).toEqual([[0.25], [0.699999988079071]]);
    const multi = formatXgboostOutput(
      [
        [0.5, 0.25, 0.25],
        [0.125, 0.75, 0.125],
      ],
      true,
    );
    expect(multi).toBe('[0.5, 0.25, 0.25],[0.125, 0.75, 0.125]');
    expect(parseXgboostOutput(multi)).toEqual([
      [0.5, 0.25, 0.25],
      [0.125, 0.75, 0.125],
    ]);
    // Batch transform's newline-joined rows read the same.
    expect(parseXgboostOutput('0.1\n0.2\n')).toEqual([[0.1], [0.2]]);
  });

  test('GIVEN an answer that is not numbers THEN the parser says which part', () => {
    expect(() => parseXgboostOutput('[0.5, x]')).toThrow(new EndpointOutputError('"x" is not a number'));
    expect(() => parseXgboostOutput('[0.5, 0.5],0.3')).toThrow('"0.3" outside a [...] row in a multi-class output');
  });
});

describe('multiclass predictions in the drift check', () => {
  const baseline: Baseline = {
    version: 1,
    rows: 100,
    label: {
      mean: 0.7,
      classShares: [
        { value: 'cat', share: 0.5 },
        { value: 'dog', share: 0.3 },
        { value: 'owl', share: 0.2 },
      ],
    },
    features: [
      {
        name: 'size',
        type: 'numeric',
        count: 100,
        missing: 0,
        missingShare: 0,
        edges: [1],
        counts: [50, 50],
        mean: 1,
        std: 1,
        edgeMethod: { kind: 'histogram', relativeError: 2 ** -10 },
      },
    ],
  };

  test('GIVEN captured multi-class answers THEN the predicted classes are counted per class beside the training shares, and the report charts them', async () => {
    const time = new Date('2026-12-01T10:00:00Z');
    const lines = [
      formatCaptureRecord('0.5\n2', '[0.7, 0.2, 0.1],[0.1, 0.1, 0.8]', 'a', time),
      formatCaptureRecord('3', '[0.2, 0.6, 0.2]', 'b', time),
      formatCaptureRecord('4', '[0.6, 0.3, 0.1]', 'c', time),
    ];
    const window = new DriftWindow(baseline);
    await scanCapture(
      (async function* () {
        yield Buffer.from(`${lines.join('\n')}\n`);
      })(),
      window,
      { file: 'capture.jsonl' },
    );
    const rules = makeConfig().monitoring.thresholds;
    const summary = window.summarize({ ...rules, minWindowRecords: 1 });
    expect(summary.corruptedRecords).toBe(0);
    expect(summary.rows).toBe(4);
    expect(summary.predictions).toMatchObject({
      count: 4,
      mean: null,
      classes: [
        { label: 'cat', share: 0.5, trainingShare: 0.5 },
        { label: 'dog', share: 0.25, trainingShare: 0.3 },
        { label: 'owl', share: 0.25, trainingShare: 0.2 },
      ],
    });
    const html = renderDriftReport(summary, {
      rules: { ...rules, minWindowRecords: 1 },
      endpointName: 'e',
      windowStart: 'a',
      windowEnd: 'b',
      modelPackageArn: 'arn',
    });
    expect(html).toContain('predicted classes (live) vs the training labels');
    expect(html).toContain('>owl<');
  });

  test('GIVEN a multi-class answer with a row count unlike the input THEN the line is counted as corrupted (the control)', async () => {
    const window = new DriftWindow(baseline);
    await scanCapture(
      (async function* () {
        yield Buffer.from(`${formatCaptureRecord('1\n2', '[0.7, 0.2, 0.1]', 'a', new Date())}\n`);
      })(),
      window,
      { file: 'capture.jsonl' },
    );
    expect(window.summarize({ ...makeConfig().monitoring.thresholds, minWindowRecords: 1 }).corruptedExamples).toEqual([
      { file: 'capture.jsonl', line: 1, reason: '2 input rows but 1 predictions' },
    ]);
  });
});
