/**
 * Puts the values at the given ranks in place, as a full ascending sort would (values[r] is the
 * r-th smallest for every r in `ranks`), by quickselect on all ranks at once: O(n log k) for k
 * ranks instead of the sort's O(n log n). The baseline needs ~40 order statistics of each numeric
 * column's sample, not the whole order. Values must not be NaN.
 */
export function selectRanks(values: Float64Array, ranks: readonly number[]): void {
  const sorted = [...new Set(ranks)].filter((r) => r >= 0 && r < values.length).sort((a, b) => a - b);
  select(values, 0, values.length - 1, sorted, 0, sorted.length - 1);
}

/** Below this many values a range is simply insertion-sorted. */
const SMALL = 24;

function select(a: Float64Array, lo: number, hi: number, ranks: readonly number[], first: number, last: number): void {
  while (first <= last) {
    if (hi - lo < SMALL) {
      insertionSort(a, lo, hi);
      return;
    }
    // Hoare partition around the median of three: [lo, j] <= pivot <= [j + 1, hi].
    const pivot = medianOfThree(a[lo], a[(lo + hi) >>> 1], a[hi]);
    let i = lo - 1;
    let j = hi + 1;
    for (;;) {
      do i++;
      while (a[i] < pivot);
      do j--;
      while (a[j] > pivot);
      if (i >= j) break;
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    // Ranks first..split-1 lie in [lo, j], the rest in [j + 1, hi].
    let split = first;
    while (split <= last && ranks[split] <= j) split++;
    if (split - first < last - split + 1) {
      select(a, lo, j, ranks, first, split - 1);
      lo = j + 1;
      first = split;
    } else {
      select(a, j + 1, hi, ranks, split, last);
      hi = j;
      last = split - 1;
    }
  }
}

function medianOfThree(x: number, y: number, z: number): number {
  return x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
}

function insertionSort(a: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}
