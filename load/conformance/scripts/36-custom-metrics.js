// Custom metrics in the summary export: Counter {count, rate}, Gauge {value (last), min, max},
// Rate {passes, fails, value}, Trend one key per summaryTrendStats (k6 docs: k6/metrics).
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const counter = new Counter('my_counter');
const gauge = new Gauge('my_gauge');
const rate = new Rate('my_rate');
const trend = new Trend('my_trend');

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 4, duration: '1s', preAllocatedVUs: 1 } },
  summaryTrendStats: ['avg', 'min', 'max', 'count'],
};

export default async function () {
  counter.add(2);
  gauge.add(__ITER === 3 ? 5 : 10 + __ITER);
  rate.add(__ITER % 2 === 0);
  trend.add(__ITER * 10);
}
