// abortOnFail with delayAbortEval: thresholds are judged every 2 s; a crossed one aborts only once
// the test has run longer than the delay, so the 2 s check passes it by and the 4 s check aborts:
// exit 99 well before the 20 s schedule ends (k6 metrics/thresholds.go runAll).
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 5, duration: '20s', preAllocatedVUs: 2 } },
  thresholds: { http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: true, delayAbortEval: '3s' }] },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/status/500`);
}
