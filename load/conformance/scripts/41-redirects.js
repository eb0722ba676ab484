// Redirects: 301, 302 and 303 turn a POST into a GET without body; 307 and 308 keep the method and
// body; every hop is a request of its own (Go's net/http rules, which k6 uses).
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: { 'http_reqs{method:POST}': ['count==7'], 'http_reqs{method:GET}': ['count==3'] },
};

export default async function () {
  for (const code of [301, 302, 303, 307, 308]) {
    const res = await http.asyncRequest('POST', `${__ENV.BASE}/redirect/${code}`, 'payload');
    const seen = res.json();
    const kept = code >= 307;
    check(seen, {
      [`${code} method`]: (s) => s.method === (kept ? 'POST' : 'GET'),
      [`${code} body`]: (s) => s.body === (kept ? 'payload' : ''),
    });
  }
}
