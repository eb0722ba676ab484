// setup()'s return reaches every iteration and teardown(); requests in setup and
// teardown carry group=::setup and group=::teardown (k6 js/runner.go runPart).
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: {
    'http_reqs{group:::setup}': ['count==1'],
    'http_reqs{group:::teardown}': ['count==1'],
  },
};

export async function setup() {
  const res = await http.asyncRequest('GET', `${__ENV.BASE}/echo`);
  return { method: res.json('method'), list: [1, 2] };
}

export default async function (data) {
  check(data, { 'data from setup': (d) => d.method === 'GET' && d.list.length === 2 });
  await http.asyncRequest('GET', `${__ENV.BASE}/`);
}

export async function teardown(data) {
  check(data, { 'teardown sees setup data': (d) => d.method === 'GET' });
  await http.asyncRequest('GET', `${__ENV.BASE}/`);
}
