/**
 * A seeded generator of numbers in [0, 1): xorshift32, deterministic for a seed and fast; its
 * statistical quality is ample for sampling rows and values. Seed 0 (xorshift's fixed point)
 * stands for 0x9e3779b9.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}
