// http.batch sends its requests in parallel and returns the responses in order (k6 docs:
// k6-http/batch); each is one http_reqs sample.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 2, iterations: 4 };

export default function () {
  const responses = http.batch([
    ['GET', `${__ENV.BASE}/`],
    ['GET', `${__ENV.BASE}/status/404`, null, { tags: { name: 'missing' } }],
    { method: 'POST', url: `${__ENV.BASE}/echo`, body: 'x=1' },
  ]);
  check(responses, {
    'three in order': (r) => r.length === 3 && r[0].status === 200 && r[1].status === 404 && r[2].json('method') === 'POST',
  });
}
