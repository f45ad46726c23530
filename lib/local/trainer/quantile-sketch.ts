/**
 * XGBoost 1.7's `hist` cut points, reproduced: its weighted quantile sketch (WQuantileSketch<float,
 * float>, every weight 1) fed a feature's present values in row order, pruned to 8 · max_bin and then
 * to max_bin + 1 summary entries, whose values are the cuts. Ranks are float32 as in XGBoost, so
 * every sum is rounded to float32 where XGBoost rounds it; with the same cuts both trainers grow the
 * same trees, and an unseen value between two training values falls on the same side as on AWS.
 */

const f32 = Math.fround;

/** XGBoost's kFactor: the sketch keeps kFactor entries per wanted bin. */
const SKETCH_FACTOR = 8;

/** A summary (WQSummary): per distinct value, its minimum and maximum rank and its weight. */
class Summary {
  readonly rmin: Float32Array;
  readonly rmax: Float32Array;
  readonly wmin: Float32Array;
  readonly value: Float32Array;
  size = 0;

  constructor(capacity: number) {
    this.rmin = new Float32Array(capacity);
    this.rmax = new Float32Array(capacity);
    this.wmin = new Float32Array(capacity);
    this.value = new Float32Array(capacity);
  }

  private put(at: number, rmin: number, rmax: number, wmin: number, value: number): void {
    this.rmin[at] = rmin;
    this.rmax[at] = rmax;
    this.wmin[at] = wmin;
    this.value[at] = value;
  }

  private take(at: number, src: Summary, from: number): void {
    this.put(at, src.rmin[from], src.rmax[from], src.wmin[from], src.value[from]);
  }

  copyFrom(src: Summary): void {
    for (let i = 0; i < src.size; i++) this.take(i, src, i);
    this.size = src.size;
  }

  /** The summary's entries picked at maxSize - 1 evenly spaced ranks (WQSummary::SetPrune). */
  setPrune(src: Summary, maxSize: number): void {
    if (src.size <= maxSize) return this.copyFrom(src);
    const begin = src.rmax[0];
    const range = f32(src.rmin[src.size - 1] - src.rmax[0]);
    const n = maxSize - 1;
    this.take(0, src, 0);
    let size = 1;
    let i = 1;
    let last = 0;
    for (let k = 1; k < n; k++) {
      const dx2 = f32(2 * f32(f32(f32(k * range) / n) + begin));
      while (i < src.size - 1 && dx2 >= f32(src.rmax[i + 1] + src.rmin[i + 1])) i++;
      if (i === src.size - 1) break;
      const rminNext = f32(src.rmin[i] + src.wmin[i]);
      const rmaxPrev = f32(src.rmax[i + 1] - src.wmin[i + 1]);
      const pick = dx2 < f32(rminNext + rmaxPrev) ? i : i + 1;
      if (pick !== last) {
        this.take(size++, src, pick);
        last = pick;
      }
    }
    if (last !== src.size - 1) this.take(size++, src, src.size - 1);
    this.size = size;
  }

  /** The merge of two summaries (WQSummary::SetCombine), rounding repaired as FixError does. */
  setCombine(a: Summary, b: Summary): void {
    if (a.size === 0) return this.copyFrom(b);
    if (b.size === 0) return this.copyFrom(a);
    let i = 0;
    let j = 0;
    let size = 0;
    let aPrevRmin = 0;
    let bPrevRmin = 0;
    const rmaxPrev = (s: Summary, at: number) => f32(s.rmax[at] - s.wmin[at]);
    const rminNext = (s: Summary, at: number) => f32(s.rmin[at] + s.wmin[at]);
    while (i < a.size && j < b.size) {
      if (a.value[i] === b.value[j]) {
        this.put(size++, f32(a.rmin[i] + b.rmin[j]), f32(a.rmax[i] + b.rmax[j]), f32(a.wmin[i] + b.wmin[j]), a.value[i]);
        aPrevRmin = rminNext(a, i++);
        bPrevRmin = rminNext(b, j++);
      } else if (a.value[i] < b.value[j]) {
        this.put(size++, f32(a.rmin[i] + bPrevRmin), f32(a.rmax[i] + rmaxPrev(b, j)), a.wmin[i], a.value[i]);
        aPrevRmin = rminNext(a, i++);
      } else {
        this.put(size++, f32(b.rmin[j] + aPrevRmin), f32(b.rmax[j] + rmaxPrev(a, i)), b.wmin[j], b.value[j]);
        bPrevRmin = rminNext(b, j++);
      }
    }
    const bRmax = b.rmax[b.size - 1];
    for (; i < a.size; i++) this.put(size++, f32(a.rmin[i] + bPrevRmin), f32(a.rmax[i] + bRmax), a.wmin[i], a.value[i]);
    const aRmax = a.rmax[a.size - 1];
    for (; j < b.size; j++) this.put(size++, f32(b.rmin[j] + aPrevRmin), f32(b.rmax[j] + aRmax), b.wmin[j], b.value[j]);
    this.size = size;
    this.fixError();
  }

  private fixError(): void {
    let prevRmin = 0;
    let prevRmax = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.rmin[i] < prevRmin) this.rmin[i] = prevRmin;
      else prevRmin = this.rmin[i];
      if (this.rmax[i] < prevRmax) this.rmax[i] = prevRmax;
      const rminNext = f32(this.rmin[i] + this.wmin[i]);
      if (this.rmax[i] < rminNext) this.rmax[i] = rminNext;
      prevRmax = this.rmax[i];
    }
  }
}

/** WQuantileSketch: an input queue of 2 · limit entries, summarized and merged into levels when full. */
class QuantileSketch {
  private readonly limit: number;
  private readonly queueValues: Float32Array;
  private readonly queueWeights: Float32Array;
  private tail = 0;
  private readonly levels: Summary[] = [];
  private readonly temp: Summary;

  constructor(maxN: number, eps: number) {
    // LimitSizeLevel: the fewest levels whose summaries can hold maxN values.
    let levels = 1;
    let limit: number;
    for (;;) {
      limit = Math.min(maxN, Math.ceil(levels / eps) + 1);
      if (2 ** levels * limit >= maxN) break;
      levels++;
    }
    this.limit = limit;
    this.queueValues = new Float32Array(2 * limit);
    this.queueWeights = new Float32Array(2 * limit);
    this.temp = new Summary(2 * limit);
  }

  push(x: number): void {
    if (this.tail === this.queueValues.length) {
      this.makeSummary(this.temp);
      this.tail = 0;
      this.pushTemp();
    }
    // A value equal to the last one queued adds to its weight.
    if (this.tail === 0 || this.queueValues[this.tail - 1] !== x) {
      this.queueValues[this.tail] = x;
      this.queueWeights[this.tail++] = 1;
    } else {
      this.queueWeights[this.tail - 1] = f32(this.queueWeights[this.tail - 1] + 1);
    }
  }

  /** The queue sorted, equal values merged, as a summary with exact ranks. */
  private makeSummary(out: Summary): void {
    const values = this.queueValues;
    const order = Uint32Array.from({ length: this.tail }, (_, i) => i).sort((a, b) => values[a] - values[b]);
    let size = 0;
    let wsum = 0;
    for (let i = 0; i < order.length;) {
      const value = values[order[i]];
      let w = this.queueWeights[order[i]];
      let j = i + 1;
      for (; j < order.length && values[order[j]] === value; j++) w = f32(w + this.queueWeights[order[j]]);
      out.rmin[size] = wsum;
      out.rmax[size] = f32(wsum + w);
      out.wmin[size] = w;
      out.value[size++] = value;
      wsum = f32(wsum + w);
      i = j;
    }
    out.size = size;
  }

  private level(l: number): Summary {
    while (this.levels.length <= l) this.levels.push(new Summary(this.limit));
    return this.levels[l];
  }

  /** PushTemp: the full queue's summary carried up the levels, pruned to limit each time. */
  private pushTemp(): void {
    for (let l = 1; ; l++) {
      this.level(l + 1);
      const level = this.levels[l];
      if (level.size === 0) {
        level.setPrune(this.temp, this.limit);
        return;
      }
      const scratch = this.levels[0];
      scratch.setPrune(this.temp, this.limit);
      this.temp.setCombine(scratch, level);
      if (this.temp.size > this.limit) {
        level.size = 0;
      } else {
        level.copyFrom(this.temp);
        return;
      }
    }
  }

  /** GetSummary: the queue and every level merged, at most limit entries. */
  summary(): Summary {
    const out = new Summary(2 * this.limit);
    this.makeSummary(out);
    if (this.levels.length === 0) {
      if (out.size <= this.limit) return out;
      const pruned = new Summary(this.limit);
      pruned.setPrune(out, this.limit);
      return pruned;
    }
    const merged = this.levels[0];
    merged.setPrune(out, this.limit);
    for (let l = 1; l < this.levels.length; l++) {
      if (this.levels[l].size === 0) continue;
      if (merged.size === 0) {
        merged.copyFrom(this.levels[l]);
      } else {
        out.setCombine(merged, this.levels[l]);
        merged.setPrune(out, this.limit);
      }
    }
    const result = new Summary(merged.size);
    result.copyFrom(merged);
    return result;
  }
}

/** One feature's bins as XGBoost 1.7's `hist` cuts them. */
export interface FeatureCuts {
  /** The inner cut points: bin b holds cuts[b-1] <= x < cuts[b]. */
  readonly cuts: Float32Array;
  /** Below every value: the threshold of a split sending every present value right. */
  readonly lower: number;
  /** Above every value (XGBoost's last cut): the threshold of a split sending every present value left. */
  readonly upper: number;
}

/**
 * The cuts XGBoost 1.7's `hist` places for one feature (HostSketchContainer::MakeCuts), given its
 * present (not missing) values in row order.
 */
export function xgboostCuts(present: Float32Array, maxBins: number): FeatureCuts {
  const n = present.length;
  // A feature with no value: XGBoost's minimum is 1e-5 and its one cut above that.
  if (n === 0) return { cuts: new Float32Array(0), lower: f32(1e-5), upper: f32(f32(1e-5) + f32(f32(1e-5) + f32(1e-5))) };
  const bins = Math.max(1, Math.min(maxBins, n));
  const sketch = new QuantileSketch(n, 1 / f32(bins * SKETCH_FACTOR));
  for (let i = 0; i < n; i++) sketch.push(present[i]);
  const intermediate = Math.min(n, maxBins * SKETCH_FACTOR);
  const reduced = new Summary(intermediate);
  reduced.setPrune(sketch.summary(), intermediate);
  const finalBins = Math.min(intermediate, maxBins);
  const summary = new Summary(finalBins + 1);
  summary.setPrune(reduced, finalBins + 1);
  const required = Math.min(summary.size, finalBins);
  const cuts: number[] = [];
  for (let i = 1; i < required; i++) if (cuts.length === 0 || summary.value[i] > cuts[cuts.length - 1]) cuts.push(summary.value[i]);
  const first = summary.value[0];
  const last = summary.value[summary.size - 1];
  return {
    cuts: Float32Array.from(cuts),
    lower: f32(f32(first - Math.abs(first)) - f32(1e-5)),
    upper: f32(last + f32(Math.abs(last) + f32(1e-5))),
  };
}
