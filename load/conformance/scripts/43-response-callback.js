// http.setResponseCallback(http.expectedStatuses(...)) decides which statuses count as failed in
// http_req_failed and how expected_response is tagged (k6 docs: k6-http/setresponsecallback).
import http from 'k6/http';

http.setResponseCallback(http.expectedStatuses(404, { min: 200, max: 299 }));

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: {
    http_req_failed: ['rate==0.5'],
    'http_reqs{expected_response:true}': ['count==2'],
    'http_reqs{expected_response:false}': ['count==2'],
  },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/status/404`);
  await http.asyncRequest('GET', `${__ENV.BASE}/status/500`);
}
