import { encodesClassIndex, type ProblemType } from '../problem-types';
import { foldAsciiCase } from './category-case';

interface DatasetClasses {
  readonly problemType: ProblemType;
  readonly targetColumn: string;
  readonly columns: readonly { readonly name: string; readonly allowedValues?: readonly string[] }[];
  readonly categoryCase?: 'exact' | 'ignore';
}

/**
 * A multiclass data set's classes in label order: the target's allowedValues as the data is read
 * (lower-cased under categoryCase "ignore"); class i is label i. Undefined for other problem types.
 */
export function targetClasses(dataset: DatasetClasses): readonly string[] | undefined {
  if (!encodesClassIndex(dataset.problemType)) return undefined;
  const values = dataset.columns.find((c) => c.name === dataset.targetColumn)?.allowedValues;
  if (!values) throw new Error(`the multiclass target "${dataset.targetColumn}" has no allowedValues`);
  return dataset.categoryCase === 'ignore' ? values.map(foldAsciiCase) : values;
}
