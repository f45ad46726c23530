import { FNV_OFFSET, FNV_PRIME } from './split';

/**
 * A map from short byte strings to integers, looked up straight from the input bytes (no string
 * per value): open addressing over a 32-bit FNV-1a hash, keys copied into one growing byte arena.
 * It holds at most `capacity` keys; set() beyond that is ignored (callers then take their slow way).
 */
export class ByteTable {
  private slots: Int32Array;
  private hashes = new Int32Array(64);
  private keyStarts = new Int32Array(64);
  private keyEnds = new Int32Array(64);
  private values = new Int32Array(64);
  private arena = new Uint8Array(1024);
  private arenaLength = 0;
  private size = 0;

  constructor(private readonly capacity = 1 << 17) {
    this.slots = new Int32Array(256).fill(-1);
  }

  /** The value stored for bytes[start, end), whose hashOf is `hash` (found while scanning the bytes), or -1. */
  getHashed(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot];
      if (entry === -1) return -1;
      if (this.hashes[entry] === hash && this.sameKey(entry, bytes, start, end)) return this.values[entry];
    }
  }

  /** Stores `value` (>= 0) for bytes[start, end), which must not be in the table yet. */
  set(bytes: Uint8Array, start: number, end: number, value: number): void {
    if (this.size >= this.capacity) return;
    if ((this.size + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    if (this.size === this.values.length) this.growEntries();
    const length = end - start;
    if (this.arenaLength + length > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.arenaLength + length));
      arena.set(this.arena.subarray(0, this.arenaLength));
      this.arena = arena;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaLength);
    const entry = this.size++;
    this.keyStarts[entry] = this.arenaLength;
    this.keyEnds[entry] = this.arenaLength + length;
    this.arenaLength += length;
    this.hashes[entry] = hashOf(bytes, start, end);
    this.values[entry] = value;
    this.place(entry);
  }

  private sameKey(entry: number, bytes: Uint8Array, start: number, end: number): boolean {
    const keyStart = this.keyStarts[entry];
    if (this.keyEnds[entry] - keyStart !== end - start) return false;
    const arena = this.arena;
    for (let i = start, k = keyStart; i < end; i++, k++) if (arena[k] !== bytes[i]) return false;
    return true;
  }

  private place(entry: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[entry] & mask;
    while (this.slots[slot] !== -1) slot = (slot + 1) & mask;
    this.slots[slot] = entry;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size).fill(-1);
    for (let entry = 0; entry < this.size; entry++) this.place(entry);
  }

  private growEntries(): void {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes);
    this.keyStarts = grow(this.keyStarts);
    this.keyEnds = grow(this.keyEnds);
    this.values = grow(this.values);
  }
}

/** The keys' hash: 32-bit FNV-1a. */
export function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
  return hash;
}
