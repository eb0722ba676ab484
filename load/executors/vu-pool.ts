/**
 * A scenario's VUs: preAllocatedVUs ready at start, grown up to maxVUs when a due iteration finds
 * none idle (that iteration is dropped; the new VU serves later ticks). As in k6
 * [lib/executor/constant_arrival_rate.go], one VU initialises at a time and takes as long as the
 * script's init context: drops while it initialises ask for no other.
 */

/** How VUs added during the run get ready: k6's pacing, or (for comparison) at once, one per drop. */
export type VuGrowth = { pacedMs: number } | 'instant';

let nextVuId = 1;

/** A VU number of its own (k6's __VU counts VUs across the whole test from 1). */
export function newVuId(): number {
  return nextVuId++;
}

export class VuPool {
  private readonly idle: number[] = [];
  private allocated = 0;
  private busy = 0;
  private readonly maxVUs: number;
  private warned = false;
  private initialising = false;
  private readonly growth: VuGrowth;

  constructor(preAllocatedVUs: number, maxVUs: number, growth: VuGrowth) {
    this.maxVUs = maxVUs;
    this.growth = growth;
    for (let i = 0; i < preAllocatedVUs; i += 1) this.allocate();
  }

  private allocate(): void {
    this.idle.push(nextVuId);
    nextVuId += 1;
    this.allocated += 1;
  }

  /** An idle VU's id, or undefined when every allocated VU is busy. */
  acquire(): number | undefined {
    const vu = this.idle.pop();
    if (vu !== undefined) this.busy += 1;
    return vu;
  }

  release(vu: number): void {
    this.idle.push(vu);
    this.busy -= 1;
  }

  /**
   * After a drop: ready one more VU for later ticks, or report (once) that the cap is reached.
   * Returns the warning to print, if any.
   */
  growAfterDrop(): string | undefined {
    if (this.allocated < this.maxVUs) {
      if (this.initialising) return undefined;
      this.allocated += 1;
      const id = nextVuId;
      nextVuId += 1;
      if (this.growth === 'instant') {
        setImmediate(() => this.idle.push(id));
        return undefined;
      }
      this.initialising = true;
      setTimeout(() => {
        this.initialising = false;
        this.idle.push(id);
      }, this.growth.pacedMs);
      return undefined;
    }
    if (this.warned) return undefined;
    this.warned = true;
    return `Insufficient VUs, reached ${this.maxVUs} active VUs and cannot initialize more`;
  }

  get active(): number {
    return this.busy;
  }

  get size(): number {
    return this.allocated;
  }
}
