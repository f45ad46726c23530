import type { CsvRecord } from '../csv/csv-parser';

/**
 * Deterministic train/validation split: a row's split depends only on its id (or its content),
 * so the same row lands in the same split on every run, whatever else the data holds.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over bytes[start, end): fast and stable across runs and platforms. */
export function fnv1aBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
  return hash;
}

/** A row's split hash: of its id field when configured, else of the row's bytes as written. */
export function splitHash(record: CsvRecord, idIndex: number | undefined): number {
  if (idIndex !== undefined) return fnv1aBytes(record.bytes, record.trimmedStart(idIndex), record.trimmedEnd(idIndex));
  return fnv1aBytes(record.bytes, record.begin, record.end);
}

/** Whether a row with split hash `hash` is in validation. */
export function isValidationHash(hash: number, validationShare: number): boolean {
  return hash >>> 0 < validationShare * 0x1_0000_0000;
}
