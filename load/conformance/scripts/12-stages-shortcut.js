// The top-level shortcut `stages` means ramping-vus starting at `vus` (default 1)
// (k6 execution_config_shortcuts.go).
import http from 'k6/http';
import { sleep } from 'k6';

export const options = { stages: [{ duration: '1s', target: 3 }, { duration: '1s', target: 0 }] };

export default function () {
  http.get(`${__ENV.BASE}/`);
  sleep(0.3);
}
