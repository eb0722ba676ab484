// discardResponseBodies: body is null unless a request asks for responseType 'text'
// (k6 docs: options, discardResponseBodies).
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  discardResponseBodies: true,
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } },
};

export default async function () {
  const dropped = await http.asyncRequest('GET', `${__ENV.BASE}/`);
  const kept = await http.asyncRequest('GET', `${__ENV.BASE}/`, null, { responseType: 'text' });
  check(null, { 'discarded': () => dropped.body === null, 'kept': () => kept.body === 'ok' });
}
