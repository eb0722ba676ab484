// The built-in metrics of a plain HTTP run, all in the summary export, including the submetric
// http_req_duration{expected_response:true} k6 always keeps (internal/metrics/engine/engine.go).
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 } },
};

export default async function () {
  await http.asyncRequest('POST', `${__ENV.BASE}/echo`, 'hello');
}
