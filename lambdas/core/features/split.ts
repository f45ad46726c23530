/**
 * Deterministic train/validation split: a row's split depends only on its id (or its content),
 * so the same row lands in the same split on every run, whatever else the data holds.
 */

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across runs and platforms. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** FNV-1a over the row's fields with a separator between them (no joined string is built). */
function hashFields(fields: readonly string[]): number {
  let hash = 0x811c9dc5;
  for (let f = 0; f < fields.length; f++) {
    const text = fields[f];
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0x1f;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Whether a row is in validation, split by its id field when configured, else by all its fields. */
export function isValidationRecord(fields: readonly string[], idIndex: number | undefined, validationShare: number): boolean {
  const hash = idIndex === undefined ? hashFields(fields) : fnv1a(fields[idIndex].trim());
  return hash < validationShare * 0x1_0000_0000;
}
