/** A step-by-step progress view: numbered steps with their wall time, and indented detail lines. */
export class ProgressView {
  private step = 0;
  private readonly started = Date.now();
  /** Every finished step with its wall time. */
  readonly timings: { title: string; ms: number }[] = [];

  constructor(
    private readonly print: (line: string) => void,
    private readonly steps: number,
  ) {}

  /** Runs one step and prints its title with the time it took (or the error it failed with). */
  async run<T>(title: string, work: () => Promise<T>): Promise<T> {
    this.step++;
    const label = `[${this.step}/${this.steps}] ${title}`;
    this.print(label);
    const start = Date.now();
    try {
      const result = await work();
      this.timings.push({ title, ms: Date.now() - start });
      this.print(`      done in ${seconds(Date.now() - start)}`);
      return result;
    } catch (err) {
      this.print(`      FAILED after ${seconds(Date.now() - start)}: ${(err as Error).message}`);
      throw err;
    }
  }

  detail(text: string): void {
    this.print(`      ${text}`);
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
