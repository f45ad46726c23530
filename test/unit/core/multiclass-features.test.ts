import type { MlopsConfig } from '../../../lib/config';
import { processDataset, DataValidationError } from '../../../lambdas/core/features/process';
import { seededRandom } from '../../../lib/local/trainer/random';
import { makeConfig } from '../../helpers/config';
import { memorySink, textSource } from '../../helpers/sinks';

/** A multiclass target: label i is the i-th of the target's allowedValues, on both paths, for any number of classes. */
const CLASSES = Array.from({ length: 12 }, (_, i) => `k${i}`);

function multiclassConfig(classes: readonly string[], categoryCase: 'exact' | 'ignore' = 'exact'): MlopsConfig {
  return makeConfig({
    dataset: {
      name: 'multi',
      targetColumn: 'kind',
      problemType: 'multiclass',
      positiveClass: undefined,
      idColumn: 'id',
      categoryCase,
      columns: [
        { name: 'id', type: 'categorical', required: true },
        { name: 'size', type: 'numeric' },
        { name: 'colour', type: 'categorical' },
        { name: 'kind', type: 'categorical', required: true, allowedValues: [...classes] },
      ],
    },
    features: { validationShare: 0.2 },
    evaluation: { metric: undefined },
  });
}

function rows(n: number, seed: number, value: (random: () => number) => string): string {
  const random = seededRandom(seed);
  const lines = ['id,size,colour,kind'];
  for (let i = 0; i < n; i++) lines.push(`r${i},${Math.floor(random() * 100)},${['red', 'blue', '"green"'][i % 3]},${value(random)}`);
  return `${lines.join('\n')}\n`;
}

async function run(settings: MlopsConfig, text: string, fastPath: boolean) {
  const outputs = { quarantine: memorySink(), train: memorySink(), validation: memorySink() };
  const result = await processDataset([textSource('raw/a.csv', text, 333)], outputs, {
    dataset: settings.dataset,
    features: settings.features,
    maxBadRowShare: 0.5,
    fastPath,
  });
  return { result, train: outputs.train.output, validation: outputs.validation.output, quarantine: outputs.quarantine.output };
}

describe('multiclass feature processing', () => {
  const config = multiclassConfig(CLASSES);
  // Every class, one unknown value in 50 (quarantined).
  const text = rows(3000, 3, (random) => (random() < 0.02 ? 'k99' : CLASSES[Math.floor(random() * CLASSES.length)]));

  test('GIVEN 12 classes THEN each row is labelled with its class index (two digits past 9), the same on both paths', async () => {
    const fast = await run(config, text, true);
    const general = await run(config, text, false);
    expect(fast).toEqual(general);
    // Label i as often as the source holds class i (accepted rows only).
    const labels = [...fast.train, ...fast.validation].map((line) => Number(line.split(',')[0]));
    const sourceClasses = text
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[3]);
    CLASSES.forEach((c, i) => expect(labels.filter((y) => y === i).length).toBe(sourceClasses.filter((v) => v === c).length));
    expect(labels.some((y) => y >= 10)).toBe(true);
    expect(labels).toHaveLength(sourceClasses.filter((v) => CLASSES.includes(v)).length);
    expect(fast.result.summary.rejectedByReason).toEqual({ 'kind: not an allowed value': sourceClasses.filter((v) => v === 'k99').length });
    expect(fast.result.spec.target.classes).toEqual(CLASSES);
    const shares = fast.result.baseline.label.classShares!;
    expect(shares.map((s) => s.value)).toEqual(CLASSES);
    expect(shares.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1, 10);
    const trainLabels = fast.train.map((line) => Number(line.split(',')[0]));
    expect(shares[11].share).toBeCloseTo(trainLabels.filter((y) => y === 11).length / trainLabels.length, 12);
  });

  test('GIVEN categoryCase "ignore" THEN "K3" is class k3 and the classes are kept lower-cased', async () => {
    const ignoring = multiclassConfig(['Red', 'Green', 'Blue'], 'ignore');
    const mixed = rows(600, 4, (random) => ['RED', 'green', 'Blue', 'red'][Math.floor(random() * 4)]);
    const { result, train } = await run(ignoring, mixed, true);
    expect(result.summary.rejected).toBe(0);
    expect(result.spec.target.classes).toEqual(['red', 'green', 'blue']);
    expect(new Set(train.map((line) => line.split(',')[0]))).toEqual(new Set(['0', '1', '2']));
  });

  test('GIVEN training rows of one class only THEN the run fails naming the column, the class seen with its count and the configured classes', async () => {
    const one = rows(300, 5, () => 'k1');
    await expect(run(config, one, true)).rejects.toThrow(DataValidationError);
    await expect(run(config, one, true)).rejects.toThrow(
      /^the training rows of "kind" hold one class only, "k1" \(\d+\), so no model can be trained; the configured classes .* are "k0", "k1"/,
    );
  });

  test('GIVEN two classes seen THEN the run trains (the control of the one-class check)', async () => {
    const two = rows(300, 6, (random) => (random() < 0.5 ? 'k1' : 'k2'));
    expect((await run(config, two, true)).result.summary.accepted).toBe(300);
  });
});
