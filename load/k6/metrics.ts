/** `k6/metrics`: Counter, Gauge, Rate, Trend, created in the init context and fed with add(value, tags). */
import { defineCustomMetric } from '../metrics/definitions.ts';
import type { MetricType, Tags } from '../metrics/sample.ts';
import { contextTags, currentContext, emit } from '../run/context.ts';
import { EngineError } from '../run/errors.ts';

class CustomMetric {
  readonly name: string;
  constructor(name: string, type: MetricType, isTime: boolean) {
    this.name = defineCustomMetric(name, type, isTime).name;
  }

  add(value: number | boolean, tags?: Tags): boolean {
    const number = typeof value === 'boolean' ? Number(value) : Number(value);
    if (!Number.isFinite(number)) throw new EngineError('script', `${this.name}.add(${String(value)}): the value must be a finite number or a boolean`);
    const context = currentContext();
    emit(context?.iteration, this.name, tags === undefined ? contextTags(context) : { ...contextTags(context), ...tags }, number, performance.timeOrigin + performance.now());
    return true;
  }
}

export class Counter extends CustomMetric {
  constructor(name: string) { super(name, 'counter', false); }
}
export class Gauge extends CustomMetric {
  constructor(name: string) { super(name, 'gauge', false); }
}
export class Rate extends CustomMetric {
  constructor(name: string) { super(name, 'rate', false); }
}
export class Trend extends CustomMetric {
  constructor(name: string, isTime = false) { super(name, 'trend', isTime); }
}

export default { Counter, Gauge, Rate, Trend };
