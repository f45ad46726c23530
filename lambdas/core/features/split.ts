import type { CsvRecord } from '../csv/csv-parser';

/**
 * Deterministic train/validation split: a row's split depends only on its id (or its content),
 * so the same row lands in the same split on every run, whatever else the data holds.
 */

/** 32-bit FNV-1a over bytes[start, end), continuing from `hash`: fast and stable across runs and platforms. */
function fnv1aBytes(hash: number, bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    hash ^= bytes[i];
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}

/** Whether a row is in validation, split by its id field when configured, else by the row's bytes as written. */
export function isValidationRecord(record: CsvRecord, idIndex: number | undefined, validationShare: number): boolean {
  let hash = 0x811c9dc5;
  if (idIndex !== undefined) hash = fnv1aBytes(hash, record.bytes, record.trimmedStart(idIndex), record.trimmedEnd(idIndex));
  else hash = fnv1aBytes(hash, record.bytes, record.begin, record.end);
  return hash >>> 0 < validationShare * 0x1_0000_0000;
}
