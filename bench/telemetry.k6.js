// Cached product reads through the gateway at a fixed arrival rate (open model: a slow server
// cannot slow the load). Driven by bench/telemetry.bench.ts through __ENV.
import http from 'k6/http';

export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['med', 'p(90)', 'p(99)', 'avg', 'max'],
  scenarios: {
    reads: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE),
      timeUnit: '1s',
      duration: __ENV.DURATION,
      preAllocatedVUs: Number(__ENV.VUS),
      maxVUs: Number(__ENV.VUS),
      gracefulStop: '2s',
    },
  },
};

const base = __ENV.BASE_URL;
const hotKeys = Number(__ENV.HOT_KEYS);

export default async function () {
  await http.asyncRequest('GET', `${base}/products/${1 + Math.floor(Math.random() * hotKeys)}`, null, { tags: { name: 'GET /products/:id' }, timeout: '5s' });
}

export function handleSummary(data) {
  return { [__ENV.SUMMARY_FILE]: JSON.stringify(data) };
}
