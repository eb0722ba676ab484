// The top-level shortcut vus + duration means constant-vus (k6 execution_config_shortcuts.go):
// 3 VUs each start iterations at 0, 0.4 and 0.8 s.
import { sleep } from 'k6';

export const options = { vus: 3, duration: '1s' };

export default function () {
  sleep(0.4);
}
