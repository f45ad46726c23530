/**
 * The fast path's row reader and encoder, in AssemblyScript (compiled to WebAssembly by
 * `npm run build:wasm`; the host side, which lays out the memory and explains the contract, is
 * lambdas/core/features/fast-row.ts). It reads a plain row, checks it, picks its split and writes
 * its encoding to that split's scratch region, as process.ts's encodeAccepted does for the
 * general path's rows. WebAssembly loops over bytes skip the bounds, map and overflow checks V8
 * makes at every byte of a Uint8Array.
 *
 * Every address is an offset into the memory the host passes in; nothing here allocates.
 */
import {
  BATCH,
  BOOLEAN,
  BUCKET_BITS,
  CATEGORICAL,
  ENTRY_BYTES,
  EXACT_LIMBS,
  EXACT_NEGATIVE_INFINITIES,
  EXACT_NORMALIZE_AFTER,
  EXACT_POSITIVE_INFINITIES,
  EXACT_SUM_BYTES,
  ID_PLACEHOLDER_BYTES,
  INFO_BATCH_FULL_AT,
  INFO_FIELD_AT,
  INFO_FIELD_HASH_AT,
  INFO_SPLIT_AT,
  INFO_START_AT,
  INFO_STOP_AT,
  LABEL_COPY,
  LABEL_ENTRY,
  MARKER,
  NEGATIVE_BUCKET,
  NOT_FAST,
  NUMERIC,
  OUTPUT_FULL,
  UNKNOWN_CATEGORY,
} from './abi.generated';

const QUOTE: u32 = 34;
const COMMA: u32 = 44;
const LF: u32 = 10;
const CR: u32 = 13;
const MINUS: u32 = 45;
const DOT: u32 = 46;
const ZERO: u32 = 48;

/** 10^k for k in 0..15: exact doubles, so an integer of at most 15 digits / 10^k is correctly rounded (as Number() reads it). */
const POWERS_OF_TEN: StaticArray<f64> = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

const FNV_OFFSET: u32 = 0x811c9dc5;
const FNV_PRIME: u32 = 0x01000193;

/** How far past its end copy() may write. */
const COPY_OVERSHOOT = 8;

// The layout (see configure).
let fieldCount: i32 = 0;
let maxRecordLength: i32 = 0;
let fieldKinds: usize = 0; // u8 per field
let fieldColumns: usize = 0; // i32 per field
let fieldRequired: usize = 0; // u8 per field
let fieldMin: usize = 0; // f64 per field
let fieldMax: usize = 0; // f64 per field
let starts: usize = 0; // i32 per field
let ends: usize = 0; // i32 per field
let numbers: usize = 0; // f64 per column
let missing: usize = 0; // u8 per column
let categoryValues: usize = 0; // i32 per column
let info: usize = 0; // i32 x 8: see INFO_*
let slots: usize = 0; // i32 per slot: an entry, or -1
let slotMask: u32 = 0;
let entries: usize = 0; // ENTRY_BYTES per entry
let maxEntries: i32 = 0;
let entryCount: i32 = 0;
let arena: usize = 0;
let arenaSize: i32 = 0;
let arenaUsed: i32 = 0;

// The encoding (see configureEncoding).
let labelMode: i32 = 0;
let labelField: i32 = 0;
let labelColumn: i32 = 0;
let positive: f64 = 0;
let idField: i32 = -1;
let validationLimit: f64 = 0;
let featureCount: i32 = 0;
let featureFields: usize = 0; // i32 per feature
let featureKinds: usize = 0; // u8 per feature
let featureColumns: usize = 0; // i32 per feature
let featureRuns: usize = 0; // i32 per feature
let rowSlack: i32 = 0;
let regions: usize = 0; // train, validation: region address, i32 each
let regionBytes: i32 = 0;
let cursors: usize = 0; // train, validation: bytes used, i32 each

// Training statistics (see configureStatistics).
let statistics: usize = 0; // f64: rows, then per feature its missing count, then per feature its true count
let numericSlots: usize = 0; // i32 per feature: its numeric slot k, or -1
let sums: usize = 0; // exact sums (EXACT_SUM_BYTES each): the labels', then per slot its values' and their squares'
let exactSums: i32 = 0; // how many
let rowsSinceNormalized: i64 = 0;
let batches: usize = 0; // u32 per slot: BATCH bucket numbers
let fills: usize = 0; // i32 per slot: bucket numbers in its batch

/** An entry: the key's hash, field, place in the arena and length, and its value. */
const ENTRY_HASH = 0;
const ENTRY_FIELD = 4;
const ENTRY_KEY = 8;
const ENTRY_LENGTH = 12;
const ENTRY_VALUE = 16;

/**
 * Where everything is, for a file of `fields` fields: its per-field rules (kind, config column,
 * required, min, max), the row read (field bounds, then per config column its number, missing
 * flag and category entry), the info block and the category table (emptied here).
 */
export function configure(
  fields: i32,
  recordLimit: i32,
  kinds: usize,
  columns: usize,
  required: usize,
  min: usize,
  max: usize,
  startsAt: usize,
  endsAt: usize,
  numbersAt: usize,
  missingAt: usize,
  categoryValuesAt: usize,
  infoAt: usize,
  slotsAt: usize,
  slotCount: u32,
  entriesAt: usize,
  entryLimit: i32,
  arenaAt: usize,
  arenaBytes: i32,
): void {
  fieldCount = fields;
  maxRecordLength = recordLimit;
  fieldKinds = kinds;
  fieldColumns = columns;
  fieldRequired = required;
  fieldMin = min;
  fieldMax = max;
  starts = startsAt;
  ends = endsAt;
  numbers = numbersAt;
  missing = missingAt;
  categoryValues = categoryValuesAt;
  info = infoAt;
  slots = slotsAt;
  slotMask = slotCount - 1;
  entries = entriesAt;
  maxEntries = entryLimit;
  arena = arenaAt;
  arenaSize = arenaBytes;
  clearCategories();
}

/**
 * How rows are written: the label (LABEL_COPY: the field's bytes; LABEL_ENTRY: its category
 * entry, 1/0; LABEL_EQUALS: 1 when its number equals `positiveValue`), then each feature after a
 * comma (runs[i] as in process.ts FileEncoding), into the split's region. `validationShare` of the
 * hash space goes to validation (split.ts isValidationHash).
 */
export function configureEncoding(
  label: i32,
  labelAt: i32,
  labelIn: i32,
  positiveValue: f64,
  idAt: i32,
  validationShare: f64,
  features: i32,
  fields: usize,
  kinds: usize,
  columns: usize,
  runs: usize,
  slack: i32,
  regionsAt: usize,
  bytesPerRegion: i32,
  cursorsAt: usize,
): void {
  labelMode = label;
  labelField = labelAt;
  labelColumn = labelIn;
  positive = positiveValue;
  idField = idAt;
  validationLimit = validationShare * 4294967296.0;
  featureCount = features;
  featureFields = fields;
  featureKinds = kinds;
  featureColumns = columns;
  featureRuns = runs;
  rowSlack = slack;
  regions = regionsAt;
  regionBytes = bytesPerRegion;
  cursors = cursorsAt;
}

/**
 * Where the training rows' statistics go: counts in `statisticsAt`; the label's exact sum and each
 * numeric feature's exact sum and sum of squares in `sumsAt` (exact, so that they do not depend on
 * the order rows are added in: shards' sums merge to the one-process run's); each numeric
 * feature's values as bucket numbers in a batch of BATCH (the host counts a full batch into its
 * histogram).
 */
export function configureStatistics(statisticsAt: usize, slotsAt: usize, sumsAt: usize, sumCount: i32, batchesAt: usize, fillsAt: usize): void {
  statistics = statisticsAt;
  numericSlots = slotsAt;
  sums = sumsAt;
  exactSums = sumCount;
  batches = batchesAt;
  fills = fillsAt;
}

/**
 * Counts a training row whose typed values are in the typed row (numbers, missing). Returns 1
 * when a numeric feature's batch is full: the host counts it before the next row.
 */
export function countTraining(label: f64): i32 {
  store<f64>(statistics, load<f64>(statistics) + 1);
  if (++rowsSinceNormalized == EXACT_NORMALIZE_AFTER) {
    for (let k = 0; k < exactSums; k++) normalizeExact(sums + <usize>k * EXACT_SUM_BYTES);
    rowsSinceNormalized = 0;
  }
  addExact(sums, label);
  const missingCounts = statistics + 8;
  const trueCounts = missingCounts + ((<usize>featureCount) << 3);
  let full = 0;
  for (let i = 0; i < featureCount; i++) {
    const column = <usize>load<i32>(featureColumns + ((<usize>i) << 2));
    if (load<u8>(missing + column) == 1) {
      store<f64>(missingCounts + ((<usize>i) << 3), load<f64>(missingCounts + ((<usize>i) << 3)) + 1);
      continue;
    }
    const kind = <u32>load<u8>(featureKinds + i);
    if (kind == NUMERIC) {
      const value = load<f64>(numbers + (column << 3));
      if (value != value) continue;
      const slot = <usize>load<i32>(numericSlots + ((<usize>i) << 2));
      const sum = sums + (1 + (slot << 1)) * EXACT_SUM_BYTES;
      addExact(sum, value);
      addExact(sum + EXACT_SUM_BYTES, value * value);
      const fill = load<i32>(fills + (slot << 2));
      store<u32>(batches + ((slot * BATCH + <usize>fill) << 2), bucketOf(value));
      store<i32>(fills + (slot << 2), fill + 1);
      if (fill + 1 == BATCH) full = 1;
    } else if (kind == BOOLEAN) {
      store<f64>(trueCounts + ((<usize>i) << 3), load<f64>(trueCounts + ((<usize>i) << 3)) + load<f64>(numbers + (column << 3)));
    }
  }
  return full;
}

/**
 * Adds a double to the exact sum at `sum` (ExactSum on the host explains the layout): its 53-bit
 * significand lands in the three 32-bit limbs its exponent points at, so the sum is exact and
 * independent of the order values come in. Infinities are counted apart (NaN never comes).
 */
function addExact(sum: usize, value: f64): void {
  const bits = reinterpret<u64>(value);
  const exponent = <i32>((bits >> 52) & 0x7ff);
  if (exponent == 0x7ff) {
    const at = sum + ((value > 0 ? EXACT_POSITIVE_INFINITIES : EXACT_NEGATIVE_INFINITIES) << 3);
    store<i64>(at, load<i64>(at) + 1);
    return;
  }
  let significand = bits & 0xfffffffffffff;
  // The significand's lowest bit is worth 2^(exponent - 1075) (subnormals: 2^-1074); limb 0's lowest 2^-1074.
  let offset: i32 = 0;
  if (exponent != 0) {
    significand |= (<u64>1) << 52;
    offset = exponent - 1;
  }
  const shift = <u64>(offset & 31);
  const low = significand << shift;
  // Branch-free (signs of real data are unpredictable): the limbs' negation under the sign's mask,
  // and the top limb's shift by 64 - shift written as two shifts (0 when shift is 0).
  const sign = (<i64>bits) >> 63;
  const limb0 = ((<i64>(low & 0xffffffff)) ^ sign) - sign;
  const limb1 = ((<i64>(low >>> 32)) ^ sign) - sign;
  const limb2 = ((<i64>((significand >>> 1) >>> (63 - shift))) ^ sign) - sign;
  const at = sum + ((<usize>(offset >>> 5)) << 3);
  store<i64>(at, load<i64>(at) + limb0);
  store<i64>(at + 8, load<i64>(at + 8) + limb1);
  store<i64>(at + 16, load<i64>(at + 16) + limb2);
}

/**
 * Carries each limb's bits above 32 into the next. Every row adds at most one value to a sum, of
 * at most 2^32 per limb, so limbs stay within 2^62 when this runs every EXACT_NORMALIZE_AFTER rows.
 */
function normalizeExact(sum: usize): void {
  for (let i = 0; i < EXACT_LIMBS - 1; i++) {
    const at = sum + ((<usize>i) << 3);
    const limb = load<i64>(at);
    store<i64>(at, limb & 0xffffffff);
    store<i64>(at + 8, load<i64>(at + 8) + (limb >> 32));
  }
}

/**
 * The histogram bucket of a value (ValueHistogram's bucketOf): its bits above the lowest 42,
 * positive buckets (a, b], negative ones [-b, -a) (sign bit NEGATIVE_BUCKET), zero in the negative (-a_1, 0].
 */
export function bucketOf(value: f64): u32 {
  const bits = reinterpret<u64>(value);
  const high = <u32>(bits >> 32);
  if (value > 0) return (<u32>bits == 0 ? high - 1 : high) >>> (20 - BUCKET_BITS);
  return NEGATIVE_BUCKET | ((high & 0x7fffffff) >>> (20 - BUCKET_BITS));
}

/** Forgets every category (a new file's table starts empty). */
export function clearCategories(): void {
  memory.fill(slots, 0xff, (<usize>slotMask + 1) << 2);
  entryCount = 0;
  arenaUsed = 0;
}

/**
 * Reads the row at base + start (the input is memory[base, base + length)) and writes its
 * encoding to its split's region. Returns the position after its line end (relative to base; the
 * split is in the info block), NOT_FAST, UNKNOWN_CATEGORY when a categorical value is not in the
 * table yet (its field, bounds and hash are in the info block: the host resolves it, calls
 * addCategory, and reads the row again), or OUTPUT_FULL (the host empties the regions and reads
 * the row again).
 */
export function readRow(base: usize, start: i32, length: i32): i32 {
  const end = base + <usize>length;
  const last = fieldCount - 1;
  let numbersPlain: i32 = 1;
  let hash: u32 = FNV_OFFSET;
  let p = base + <usize>start;
  let recordEnd = p;
  for (let field = 0; field <= last; field++) {
    const kind = <u32>load<u8>(fieldKinds + field);
    let fieldHash: u32 = FNV_OFFSET;
    let value: f64 = NaN;
    let c: u32 = 0;
    let s: usize;
    let e: usize;
    if (p < end && <u32>load<u8>(p) == QUOTE) {
      hash = (hash ^ QUOTE) * FNV_PRIME;
      let q = p + 1;
      while (q < end) {
        c = <u32>load<u8>(q);
        if (c == QUOTE || c == LF || c == CR) break;
        hash = (hash ^ c) * FNV_PRIME;
        fieldHash = (fieldHash ^ c) * FNV_PRIME;
        q++;
      }
      if (q >= end || c != QUOTE) return NOT_FAST;
      hash = (hash ^ QUOTE) * FNV_PRIME;
      s = p + 1;
      e = q;
      p = q + 1;
      if (kind == NUMERIC) {
        numbersPlain = 0;
        value = plainDecimal(s, e);
      }
    } else if (kind == NUMERIC) {
      // A plain decimal as plainDecimal reads it; whatever else stops it must be the field's end.
      let q = p;
      const negative = q < end && <u32>load<u8>(q) == MINUS;
      if (negative) {
        hash = (hash ^ MINUS) * FNV_PRIME;
        q++;
      }
      // Integer digits, then a dot and fraction digits: two tight loops instead of one that checks for the dot at every digit.
      let mantissa: u64 = 0;
      const first = q;
      while (q < end) {
        c = <u32>load<u8>(q);
        if (c - ZERO > 9) break;
        mantissa = mantissa * 10 + <u64>(c - ZERO);
        hash = (hash ^ c) * FNV_PRIME;
        q++;
      }
      let digits = <i32>(q - first);
      let scale = 0;
      if (q < end && <u32>load<u8>(q) == DOT) {
        hash = (hash ^ DOT) * FNV_PRIME;
        q++;
        const fraction = q;
        while (q < end) {
          c = <u32>load<u8>(q);
          if (c - ZERO > 9) break;
          mantissa = mantissa * 10 + <u64>(c - ZERO);
          hash = (hash ^ c) * FNV_PRIME;
          q++;
        }
        scale = <i32>(q - fraction);
        digits += scale;
      }
      if (digits > 0 && digits <= 15) {
        value = scale > 0 ? <f64>mantissa / unchecked(POWERS_OF_TEN[scale]) : <f64>mantissa;
        if (negative) value = -value;
      }
      s = p;
      e = q;
      p = q;
    } else {
      let q = p;
      while (q < end) {
        c = <u32>load<u8>(q);
        if (c <= COMMA && (c == COMMA || c == QUOTE || c == LF || c == CR)) break;
        hash = (hash ^ c) * FNV_PRIME;
        fieldHash = (fieldHash ^ c) * FNV_PRIME;
        q++;
      }
      s = p;
      e = q;
      p = q;
    }
    store<i32>(starts + ((<usize>field) << 2), <i32>(s - base));
    store<i32>(ends + ((<usize>field) << 2), <i32>(e - base));
    if (kind == NUMERIC) {
      const column = <usize>load<i32>(fieldColumns + ((<usize>field) << 2));
      if (value >= load<f64>(fieldMin + ((<usize>field) << 3)) && value <= load<f64>(fieldMax + ((<usize>field) << 3))) {
        store<u8>(missing + column, 0);
        store<f64>(numbers + (column << 3), value);
      } else if (e == s && load<u8>(fieldRequired + field) == 0) store<u8>(missing + column, 1);
      else return NOT_FAST;
    } else if (kind == BOOLEAN) {
      const b = booleanValue(s, e);
      if (b < 0) return NOT_FAST;
      const column = <usize>load<i32>(fieldColumns + ((<usize>field) << 2));
      store<u8>(missing + column, 0);
      store<f64>(numbers + (column << 3), <f64>b);
    } else if (kind == CATEGORICAL) {
      const entry = categoryEntry(s, e, field, fieldHash);
      if (entry == UNKNOWN_CATEGORY) {
        store<i32>(info + INFO_FIELD_AT, field);
        store<i32>(info + INFO_START_AT, <i32>(s - base));
        store<i32>(info + INFO_STOP_AT, <i32>(e - base));
        store<u32>(info + INFO_FIELD_HASH_AT, fieldHash);
        return UNKNOWN_CATEGORY;
      }
      if (entry < 0) return NOT_FAST;
      const column = <usize>load<i32>(fieldColumns + ((<usize>field) << 2));
      store<u8>(missing + column, 0);
      store<i32>(categoryValues + (column << 2), entry);
    }
    if (p >= end) return NOT_FAST;
    const b = <u32>load<u8>(p);
    if (field < last) {
      if (b != COMMA) return NOT_FAST;
      hash = (hash ^ COMMA) * FNV_PRIME;
      p++;
      continue;
    }
    recordEnd = p;
    if (b == LF) p++;
    else if (b == CR) {
      if (p + 1 >= end) return NOT_FAST; // CR or CRLF: the next chunk tells
      p += <u32>load<u8>(p + 1) == LF ? 2 : 1;
    } else return NOT_FAST;
  }
  const recordLength = <i32>(recordEnd - base) - start;
  if (<i32>(p - base) - start > maxRecordLength) return NOT_FAST;
  if (idField >= 0) hash = fnv(base + <usize>load<i32>(starts + ((<usize>idField) << 2)), base + <usize>load<i32>(ends + ((<usize>idField) << 2)));
  const split: usize = <f64>hash < validationLimit ? 1 : 0;
  const cursor = load<i32>(cursors + (split << 2));
  if (cursor + recordLength + rowSlack + COPY_OVERSHOOT > regionBytes) return OUTPUT_FULL;
  const written = encode(base, <usize>load<u32>(regions + (split << 2)) + <usize>cursor, numbersPlain);
  store<i32>(cursors + (split << 2), cursor + <i32>written);
  store<i32>(info + INFO_SPLIT_AT, <i32>split);
  store<i32>(info + INFO_BATCH_FULL_AT, split == 0 ? countTraining(labelValue()) : 0);
  return <i32>(p - base);
}

/** The label of the row just read, as a number (1/0 for a binary problem). */
function labelValue(): f64 {
  if (labelMode == LABEL_ENTRY) return <f64>load<i32>(categoryValues + ((<usize>labelColumn) << 2));
  const value = load<f64>(numbers + ((<usize>labelColumn) << 3));
  if (labelMode == LABEL_COPY) return value;
  return value == positive ? 1 : 0;
}

/** Writes the row just read (its fields at base + starts/ends) at `out`; returns the bytes written. */
function encode(base: usize, out: usize, numbersPlain: i32): usize {
  let at = out;
  if (labelMode == LABEL_COPY)
    at = copy(at, base + <usize>load<i32>(starts + ((<usize>labelField) << 2)), base + <usize>load<i32>(ends + ((<usize>labelField) << 2)));
  else at = writeDigits(at, <u32>labelValue());
  for (let i = 0; i < featureCount; i++) {
    store<u8>(at++, <u8>COMMA);
    const run = load<i32>(featureRuns + ((<usize>i) << 2));
    if (run > i && (numbersPlain != 0 || isPlainRun(i, run))) {
      // Adjacent numeric fields, written as they are: one copy, commas included.
      at = copy(at, base + fieldStart(i), base + fieldEnd(run));
      i = run;
      continue;
    }
    const column = <usize>load<i32>(featureColumns + ((<usize>i) << 2));
    if (load<u8>(missing + column) == 1) continue;
    const kind = <u32>load<u8>(featureKinds + i);
    if (kind == NUMERIC) at = copy(at, base + fieldStart(i), base + fieldEnd(i));
    else if (kind == BOOLEAN) store<u8>(at++, <u8>(ZERO + <u32>load<f64>(numbers + (column << 3))));
    else {
      store<u8>(at, MARKER);
      store<i32>(at + 1, load<i32>(categoryValues + (column << 2)));
      at += ID_PLACEHOLDER_BYTES;
    }
  }
  store<u8>(at++, <u8>LF);
  return at - out;
}

/** Writes a label's decimal digits (1/0, or a multiclass class index of any size) at `at`; returns the end. */
function writeDigits(at: usize, value: u32): usize {
  if (value >= 10) at = writeDigits(at, value / 10);
  store<u8>(at, <u8>(ZERO + (value % 10)));
  return at + 1;
}

/** Whether features first..last sit in adjacent unquoted fields (fast rows have nothing to trim and no missing tokens). */
function isPlainRun(first: i32, last: i32): bool {
  for (let i = first; i < last; i++) if (fieldStart(i + 1) != fieldEnd(i) + 1) return false;
  return true;
}

function fieldStart(feature: i32): usize {
  return <usize>load<i32>(starts + ((<usize>load<i32>(featureFields + ((<usize>feature) << 2))) << 2));
}

function fieldEnd(feature: i32): usize {
  return <usize>load<i32>(ends + ((<usize>load<i32>(featureFields + ((<usize>feature) << 2))) << 2));
}

/**
 * Copies memory[from, stop) to `to` in 8-byte words (memory.copy is a call out of WebAssembly in
 * V8, dear for a few dozen bytes). It may read and write up to 7 bytes past the ends: the input
 * is never at the end of memory, and readRow keeps COPY_OVERSHOOT bytes free after a row.
 */
function copy(to: usize, from: usize, stop: usize): usize {
  const n = stop - from;
  for (let i: usize = 0; i < n; i += 8) store<u64>(to + i, load<u64>(from + i));
  return to + n;
}

/** split.ts fnv1aBytes over memory[from, stop). */
function fnv(from: usize, stop: usize): u32 {
  let hash: u32 = FNV_OFFSET;
  for (let i = from; i < stop; i++) hash = (hash ^ (<u32>load<u8>(i))) * FNV_PRIME;
  return hash;
}

/**
 * Stores `value` for the categorical value readRow reported last (UNKNOWN_CATEGORY). Returns false
 * when the table is full: rows with new values then take the general path.
 */
export function addCategory(base: usize, value: i32): bool {
  const s = base + <usize>load<i32>(info + INFO_START_AT);
  const length = load<i32>(info + INFO_STOP_AT) - load<i32>(info + INFO_START_AT);
  if (entryCount >= maxEntries || arenaUsed + length > arenaSize) return false;
  const entry = entries + <usize>entryCount * ENTRY_BYTES;
  const hash = keyHash(load<u32>(info + INFO_FIELD_HASH_AT), load<i32>(info + INFO_FIELD_AT));
  store<u32>(entry + ENTRY_HASH, hash);
  store<i32>(entry + ENTRY_FIELD, load<i32>(info + INFO_FIELD_AT));
  store<i32>(entry + ENTRY_KEY, arenaUsed);
  store<i32>(entry + ENTRY_LENGTH, length);
  store<i32>(entry + ENTRY_VALUE, value);
  memory.copy(arena + <usize>arenaUsed, s, <usize>length);
  arenaUsed += length;
  let slot = hash & slotMask;
  while (load<i32>(slots + ((<usize>slot) << 2)) != -1) slot = (slot + 1) & slotMask;
  store<i32>(slots + ((<usize>slot) << 2), entryCount);
  entryCount++;
  return true;
}

/** The table's value for a plain categorical value (nothing to trim, not a missing token), NOT_FAST, or UNKNOWN_CATEGORY. */
function categoryEntry(s: usize, e: usize, field: i32, fieldHash: u32): i32 {
  const n = <i32>(e - s);
  if (n == 0 || <u32>load<u8>(s) <= 32 || <u32>load<u8>(e - 1) <= 32 || isMissingToken(s, n)) return NOT_FAST;
  const hash = keyHash(fieldHash, field);
  for (let slot = hash & slotMask; ; slot = (slot + 1) & slotMask) {
    const index = load<i32>(slots + ((<usize>slot) << 2));
    if (index == -1) return UNKNOWN_CATEGORY;
    const entry = entries + <usize>index * ENTRY_BYTES;
    if (
      load<u32>(entry + ENTRY_HASH) == hash &&
      load<i32>(entry + ENTRY_FIELD) == field &&
      load<i32>(entry + ENTRY_LENGTH) == n &&
      memory.compare(arena + <usize>load<i32>(entry + ENTRY_KEY), s, <usize>n) == 0
    ) {
      return load<i32>(entry + ENTRY_VALUE);
    }
  }
  return UNKNOWN_CATEGORY; // not reached: the table always has an empty slot
}

/** The value's hash mixed with its field, so one table serves every column. */
function keyHash(fieldHash: u32, field: i32): u32 {
  return (fieldHash ^ (<u32>field * 0x9e3779b1)) * FNV_PRIME;
}

/** isMissing for n bytes at s: NA, N/A, NaN, nan, null, NULL (empty is handled by the caller). */
function isMissingToken(s: usize, n: i32): bool {
  if (n < 2 || n > 4) return false;
  const b0 = <u32>load<u8>(s);
  const b1 = <u32>load<u8>(s + 1);
  if (n == 2) return b0 == 78 && b1 == 65; // NA
  const b2 = <u32>load<u8>(s + 2);
  if (n == 3) return (b0 == 78 && ((b1 == 47 && b2 == 65) || (b1 == 97 && b2 == 78))) || (b0 == 110 && b1 == 97 && b2 == 110); // N/A NaN nan
  const b3 = <u32>load<u8>(s + 3);
  return (b0 == 110 && b1 == 117 && b2 == 108 && b3 == 108) || (b0 == 78 && b1 == 85 && b2 == 76 && b3 == 76); // null NULL
}

/** 1/0 for the usual boolean spellings in lower case, -1 for anything else (the general path decides). */
function booleanValue(s: usize, e: usize): i32 {
  const n = <i32>(e - s);
  if (n == 0) return -1;
  const b0 = <u32>load<u8>(s);
  if (n == 1) return b0 == 49 ? 1 : b0 == 48 ? 0 : -1;
  if (n == 2) return b0 == 110 && <u32>load<u8>(s + 1) == 111 ? 0 : -1; // no
  if (n == 3) return b0 == 121 && <u32>load<u8>(s + 1) == 101 && <u32>load<u8>(s + 2) == 115 ? 1 : -1; // yes
  if (n == 4) return b0 == 116 && <u32>load<u8>(s + 1) == 114 && <u32>load<u8>(s + 2) == 117 && <u32>load<u8>(s + 3) == 101 ? 1 : -1; // true
  if (n == 5) {
    return b0 == 102 && <u32>load<u8>(s + 1) == 97 && <u32>load<u8>(s + 2) == 108 && <u32>load<u8>(s + 3) == 115 && <u32>load<u8>(s + 4) == 101 ? 0 : -1; // false
  }
  return -1;
}

/** values.ts plainDecimalBytes: a plain decimal of at most 15 digits exactly as Number() reads it, or NaN. */
function plainDecimal(s: usize, e: usize): f64 {
  const n = <i32>(e - s);
  if (n <= 0 || n > 16) return NaN;
  let i = s;
  let negative = false;
  if (<u32>load<u8>(i) == MINUS) {
    negative = true;
    i++;
  }
  if (i >= e) return NaN;
  let mantissa: u64 = 0;
  let digits: i32 = 0;
  let scale: i32 = -1;
  for (; i < e; i++) {
    const c = <u32>load<u8>(i);
    if (c - ZERO <= 9) {
      mantissa = mantissa * 10 + <u64>(c - ZERO);
      digits++;
      if (scale != -1) scale++;
    } else if (c == DOT && scale == -1) scale = 0;
    else return NaN;
  }
  if (digits == 0 || digits > 15) return NaN;
  const value = scale > 0 ? <f64>mantissa / unchecked(POWERS_OF_TEN[scale]) : <f64>mantissa;
  return negative ? -value : value;
}
