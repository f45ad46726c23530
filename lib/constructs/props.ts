import type { IConstruct } from 'constructs';

/** A construct prop that cannot be used; the message names the construct's path and the prop. */
export class InvalidPropError extends Error {
  override readonly name = 'InvalidPropError';
}

/** Throws an InvalidPropError naming `scope`'s path and `prop` unless `valid`. */
export function checkProp(scope: IConstruct, valid: boolean, prop: string, problem: string): asserts valid {
  if (!valid) throw new InvalidPropError(`${scope.node.path}: ${prop} ${problem}`);
}

/** An S3 key prefix the constructs can scope IAM to: "name/" (ends in "/", does not start with it). */
export function checkPrefix(scope: IConstruct, prefix: string, prop: string): void {
  checkProp(scope, prefix.length > 1 && prefix.endsWith('/') && !prefix.startsWith('/'), prop, `must end with "/" and not start with it, got "${prefix}"`);
}
