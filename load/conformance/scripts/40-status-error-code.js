// A 4xx/5xx answer has error_code 1000 + status and fails http_req_failed by default
// (k6 error_codes.go, k6 docs: http_req_failed).
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: { 'http_reqs{error_code:1503}': ['count==2'], http_req_failed: ['rate==1'] },
};

export default async function () {
  const res = await http.asyncRequest('GET', `${__ENV.BASE}/status/503`);
  check(res, { 'code 1503': (r) => r.error_code === 1503 && r.status === 503 });
}
