// params.timeout ends a request with status 0, error "request timeout", error_code 1050; a number
// is milliseconds (k6 docs: k6-http/params).
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 2 } },
  thresholds: { 'http_reqs{error_code:1050}': ['count==4'], 'http_req_duration{name:short}': ['max<900'] },
};

export default async function () {
  const [short, number] = await Promise.all([
    http.asyncRequest('GET', `${__ENV.BASE}/delay/1500`, null, { timeout: '300ms', tags: { name: 'short' } }),
    http.asyncRequest('GET', `${__ENV.BASE}/delay/1500`, null, { timeout: 300, tags: { name: 'short' } }),
  ]);
  check([short, number], {
    'timed out': (rs) => rs.every((r) => r.status === 0 && r.error_code === 1050 && r.error === 'request timeout'),
  });
}
