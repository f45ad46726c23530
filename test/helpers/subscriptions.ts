import type { MlopsConfig } from '../../lib/config';
import { makeConfig } from './config';

type Column = MlopsConfig['dataset']['columns'][number];

/**
 * The feature-processing tests' small data set with every column type and rule: an id, numbers
 * with and without a range, an allowed-values category, a boolean, a free category and a
 * categorical binary target. `extraColumns` go before the target.
 */
export function subscriptionsConfig(features: Partial<MlopsConfig['features']>, extraColumns: readonly Column[] = []): MlopsConfig {
  return makeConfig({
    dataset: {
      name: 'subs',
      targetColumn: 'label',
      problemType: 'binary',
      positiveClass: 'yes',
      idColumn: 'id',
      columns: [
        { name: 'id', type: 'categorical', required: true },
        { name: 'age', type: 'numeric', min: 0, max: 120 },
        { name: 'plan', type: 'categorical', allowedValues: ['basic', 'pro', 'max'] },
        { name: 'active', type: 'boolean' },
        { name: 'city', type: 'categorical' },
        { name: 'score', type: 'numeric' },
        ...extraColumns,
        { name: 'label', type: 'categorical', allowedValues: ['yes', 'no'] },
      ],
    },
    features,
  });
}
