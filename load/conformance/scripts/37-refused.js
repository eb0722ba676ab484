// A refused connection: status 0, error_code 1212, a failed request tagged status "0" and
// error_code "1212" (k6 lib/netext/httpext/error_codes.go).
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: { 'http_reqs{status:0}': ['count==2'], 'http_reqs{error_code:1212}': ['count==2'] },
};

export default async function () {
  const res = await http.asyncRequest('GET', __ENV.CLOSED);
  check(res, { 'status 0': (r) => r.status === 0, 'code 1212': (r) => r.error_code === 1212 });
}
