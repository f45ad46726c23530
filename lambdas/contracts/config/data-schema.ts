import { z } from 'zod';
import { PROBLEM_TYPE_NAMES } from '../problem-types';
import { foldAsciiCase } from './category-case';

/**
 * The data set and feature sections of the config schema: all the feature-processing Lambda
 * validates its input with. Kept apart from schema.ts so that the Lambda's cold start does not load
 * what only synthesis needs (the SageMaker SDK client, whose enums list the instance types).
 */

export const columnName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s,"]+$/, 'column names may not contain spaces, commas or quotes');

const column = z
  .strictObject({
    /** The CSV header name. */
    name: columnName,
    type: z.enum(['numeric', 'categorical', 'boolean']),
    /** A row whose value is missing in a required column is quarantined. */
    required: z.boolean().default(false),
    /** Numeric columns: values below are quarantined. */
    min: z.number().optional(),
    /** Numeric columns: values above are quarantined. */
    max: z.number().optional(),
    /** Categorical columns: values outside the list are quarantined. */
    allowedValues: z.array(z.string()).min(1).optional(),
  })
  .superRefine((col, ctx) => {
    if ((col.min !== undefined || col.max !== undefined) && col.type !== 'numeric') {
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min/max apply only to numeric columns, "${col.name}" is ${col.type}` });
    }
    if (col.min !== undefined && col.max !== undefined && col.min > col.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `max (${col.max}) is below min (${col.min})` });
    }
    if (col.allowedValues && col.type !== 'categorical') {
      ctx.addIssue({ code: 'custom', path: ['allowedValues'], message: `allowedValues applies only to categorical columns, "${col.name}" is ${col.type}` });
    }
  });

export const datasetSchema = z
  .strictObject({
    /** Short name used in resource names and metrics, e.g. "churn". */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,23}$/, 'use 1-24 lower-case letters, digits or hyphens, starting with a letter'),
    targetColumn: columnName,
    problemType: z.enum(PROBLEM_TYPE_NAMES),
    /** Binary problems: the target value that is encoded as 1. */
    positiveClass: z.string().min(1).optional(),
    /** A column that identifies a row; it drives the deterministic train/validation split. */
    idColumn: columnName.optional(),
    columns: z.array(column).min(2),
    /**
     * How categorical values compare (features, a categorical target, allowedValues, positiveClass):
     * "exact", or "ignore" (A-Z and a-z are the same letter; values are kept lower-cased).
     */
    categoryCase: z.enum(['exact', 'ignore']).default('exact'),
  })
  .superRefine((ds, ctx) => {
    const seen = new Set<string>();
    ds.columns.forEach((col, i) => {
      if (seen.has(col.name)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message: `duplicate column "${col.name}"` });
      seen.add(col.name);
    });
    const target = ds.columns.find((c) => c.name === ds.targetColumn);
    if (!target) {
      ctx.addIssue({ code: 'custom', path: ['targetColumn'], message: `"${ds.targetColumn}" is not one of the configured columns` });
    } else if (ds.problemType === 'regression' && target.type !== 'numeric') {
      ctx.addIssue({ code: 'custom', path: ['targetColumn'], message: `a regression target must be numeric, "${target.name}" is ${target.type}` });
    }
    const same = (a: string, b: string) => (ds.categoryCase === 'ignore' ? foldAsciiCase(a) === foldAsciiCase(b) : a === b);
    if (ds.positiveClass !== undefined && target?.allowedValues && !target.allowedValues.some((v) => same(v, ds.positiveClass!))) {
      ctx.addIssue({
        code: 'custom',
        path: ['positiveClass'],
        message: `"${ds.positiveClass}" is not one of the target's allowedValues (${target.allowedValues.map((v) => `"${v}"`).join(', ')}${ds.categoryCase === 'exact' ? '; values are case-sensitive unless categoryCase is "ignore"' : ''})`,
      });
    }
    if (ds.problemType === 'binary' && ds.positiveClass === undefined) {
      ctx.addIssue({ code: 'custom', path: ['positiveClass'], message: 'required when problemType is "binary"' });
    }
    if (ds.problemType !== 'binary' && ds.positiveClass !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['positiveClass'], message: 'only applies when problemType is "binary"' });
    }
    if (ds.problemType === 'multiclass' && target) {
      // The classes are fixed by the config: num_class is a training hyperparameter and each class's
      // probability is an output column, so a new value in the data is quarantined, not a new class.
      const classes = target.allowedValues?.map((v) => (ds.categoryCase === 'ignore' ? foldAsciiCase(v) : v));
      if (target.type !== 'categorical' || !classes) {
        ctx.addIssue({
          code: 'custom',
          path: ['targetColumn'],
          message: `a multiclass target must be categorical with its classes in allowedValues ("mlops init" lists them from the data); "${target.name}" is ${target.type}${target.type === 'categorical' ? ' without allowedValues' : ''}`,
        });
      } else if (new Set(classes).size !== classes.length || classes.length < 2) {
        ctx.addIssue({
          code: 'custom',
          path: ['targetColumn'],
          message: `a multiclass target needs at least 2 distinct classes in allowedValues${ds.categoryCase === 'ignore' ? ' (compared ignoring case)' : ''}, "${target.name}" has ${classes.map((v) => `"${v}"`).join(', ')}`,
        });
      }
    }
    if (ds.idColumn !== undefined && !seen.has(ds.idColumn)) {
      ctx.addIssue({ code: 'custom', path: ['idColumn'], message: `"${ds.idColumn}" is not one of the configured columns` });
    }
    if (ds.idColumn !== undefined && ds.idColumn === ds.targetColumn) {
      ctx.addIssue({ code: 'custom', path: ['idColumn'], message: 'the id column cannot be the target' });
    }
  });

export const featuresSchema = z.strictObject({
  /** Share of rows (by a hash of the id column or the row) held out for validation. */
  validationShare: z.number().min(0.05).max(0.5).default(0.2),
  /** Categories kept per categorical column, by training frequency; the rest share one "other" code. */
  topCategories: z.number().int().min(1).max(1000).default(50),
  /** Bins per numeric feature in the drift baseline (quantiles of the training data). */
  numericBins: z.number().int().min(2).max(100).default(20),
});
