// abortOnFail without a delay: the first evaluation (2 s) aborts the test, exit 99.
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 5, duration: '20s', preAllocatedVUs: 2 } },
  thresholds: { 'http_req_duration{expected_response:true}': [{ threshold: 'max<0', abortOnFail: true }] },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/`);
}
