// k6's getting-started script, its target taken from BASE: 10 VUs, each a request then sleep(1),
// for 3 s: every VU runs 3 iterations (k6 docs: get-started/running-k6).
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  vus: 10,
  duration: '3s',
};

export default function () {
  http.get(`${__ENV.BASE}/`);
  sleep(1);
}
