// A connection reset by the peer: status 0, error_code 1220 (k6 error_codes.go).
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 } },
};

export default async function () {
  const res = await http.asyncRequest('GET', `${__ENV.BASE}/reset`);
  check(res, { 'status 0': (r) => r.status === 0, 'code 1220': (r) => r.error_code === 1220 });
}
