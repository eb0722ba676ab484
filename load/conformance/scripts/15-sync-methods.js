// The synchronous k6/http calls, each one request with its method (k6 docs: k6-http).
import http from 'k6/http';
import { check } from 'k6';

export const options = { iterations: 1 };

export default function () {
  const base = `${__ENV.BASE}/echo`;
  const seen = [
    http.get(base), http.post(base, 'a'), http.put(base, 'b'), http.patch(base, 'c'), http.del(base),
    http.options(base), http.request('GET', base),
  ].map((r) => r.json('method'));
  const head = http.head(base);
  check(seen, { 'methods': (s) => s.join(',') === 'GET,POST,PUT,PATCH,DELETE,OPTIONS,GET' });
  check(head, { 'head has no body': (r) => r.status === 200 && r.body === '' });
}
