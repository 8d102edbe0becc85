/** Latencies of one series, in milliseconds, kept whole so percentiles are exact. */
export class Latencies {
  private values: Float64Array;
  private count = 0;
  private sorted: Float64Array | null = null;

  constructor(expected = 1024) {
    this.values = new Float64Array(Math.max(16, expected));
  }

  add(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
    this.sorted = null;
  }

  get size(): number {
    return this.count;
  }

  /** Nearest-rank percentile (p in 0..100). */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    this.sorted ??= this.values.slice(0, this.count).sort();
    const rank = Math.min(this.count, Math.max(1, Math.ceil((p / 100) * this.count)));
    return this.sorted[rank - 1]!;
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds for the JSON line: enough digits to compare runs, not float noise. */
export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
