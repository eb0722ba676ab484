// params.redirects: 0 returns the redirect itself; the default follows up to 10 (k6 docs: k6-http/params).
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } },
};

export default async function () {
  const kept = await http.asyncRequest('GET', `${__ENV.BASE}/redirect/302?to=/`, null, { redirects: 0 });
  const followed = await http.asyncRequest('GET', `${__ENV.BASE}/redirect/302?to=/`);
  check(kept, { 'not followed': (r) => r.status === 302 && r.headers.Location === '/' });
  check(followed, { 'followed': (r) => r.status === 200 && r.url === `${__ENV.BASE}/` });
}
