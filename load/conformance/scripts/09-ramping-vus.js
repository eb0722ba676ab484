// ramping-vus: 0→2 VUs over 1 s, then 2 for 1 s; VUs are started as the linear target crosses each
// whole number, so vus_max is 2 and iterations stay below 2 × 2 s / 0.2 s = 20
// (k6 docs: executors/ramping-vus).
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  scenarios: {
    ramp: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '1s', target: 2 }, { duration: '1s', target: 2 }], gracefulRampDown: '0s' },
  },
};

export default function () {
  http.get(`${__ENV.BASE}/`);
  sleep(0.2);
}
