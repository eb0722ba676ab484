// constant-vus: 2 VUs loop for 1 s; each iteration blocks 300 ms in sleep, so each VU starts 4 (at 0, 0.3, 0.6, 0.9 s)
// (the last one started before 1 s finishes within gracefulStop); a VU that falls behind on a busy
// machine may start only 3 (k6 docs: executors/constant-vus).
import { sleep } from 'k6';

export const options = {
  scenarios: { loop: { executor: 'constant-vus', vus: 2, duration: '1s' } },
};

export default function () {
  sleep(0.3);
}
