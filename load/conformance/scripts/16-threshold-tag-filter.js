// A threshold on a submetric judges only the samples whose tags match (k6 docs: thresholds,
// "Thresholds on tags"); several expressions on one key are judged one by one.
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 4, duration: '1s', preAllocatedVUs: 2 } },
  thresholds: {
    'http_reqs{status:404}': ['count==4'],
    'http_reqs{name:home}': ['count==4', 'count>4'],
    'http_req_duration{name:home}': ['p(95)<1000', 'max<1000'],
  },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/`, null, { tags: { name: 'home' } });
  await http.asyncRequest('GET', `${__ENV.BASE}/status/404`);
}
