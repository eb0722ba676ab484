/** k6's sinks: what a metric keeps to report its summary values (counter sum, gauge last/min/max, rate passes/fails, trend every value). */
import type { MetricType } from './sample.ts';

export class MetricSink {
  readonly type: MetricType;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  last = 0;
  /** Rate: samples with a non-zero value. */
  passes = 0;
  private values = new Float64Array(1024);
  private sorted = true;

  constructor(type: MetricType) {
    this.type = type;
  }

  add(value: number): void {
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.last = value;
    if (this.type === 'rate' && value !== 0) this.passes += 1;
    if (this.type === 'trend') {
      if (this.count > this.values.length) {
        const grown = new Float64Array(this.values.length * 2);
        grown.set(this.values);
        this.values = grown;
      }
      this.values[this.count - 1] = value;
      this.sorted = false;
    }
  }

  /** k6's percentile: linear interpolation at index p·(n−1) of the sorted values. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const view = this.values.subarray(0, this.count);
    if (!this.sorted) {
      view.sort();
      this.sorted = true;
    }
    const index = (p / 100) * (this.count - 1);
    const lower = Math.floor(index);
    const upper = Math.min(lower + 1, this.count - 1);
    return view[lower]! + (view[upper]! - view[lower]!) * (index - lower);
  }

  /** One aggregate by k6's name: avg, min, med, max, count, p(N), rate, value. */
  aggregate(name: string, elapsedSeconds: number): number | undefined {
    const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(name);
    if (p) return this.type === 'trend' ? this.percentile(Number(p[1])) : undefined;
    switch (name) {
      case 'avg':
        return this.count === 0 ? 0 : this.sum / this.count;
      case 'min':
        return this.count === 0 ? 0 : this.min;
      case 'max':
        return this.count === 0 ? 0 : this.max;
      case 'med':
        return this.percentile(50);
      case 'count':
        return this.type === 'counter' ? this.sum : this.count;
      case 'rate':
        if (this.type === 'counter') return elapsedSeconds > 0 ? this.sum / elapsedSeconds : 0;
        return this.count === 0 ? 0 : this.passes / this.count;
      case 'value':
        return this.type === 'rate' ? (this.count === 0 ? 0 : this.passes / this.count) : this.last;
      default:
        return undefined;
    }
  }
}
