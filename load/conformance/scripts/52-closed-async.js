// A closed-model executor runs an async default function too: each VU awaits its iteration
// before starting the next (k6 docs: javascript-api, async default function).
import http from 'k6/http';

export const options = {
  scenarios: { each: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/delay/50`);
}
