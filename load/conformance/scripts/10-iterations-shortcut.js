// The top-level shortcut `iterations` alone means shared-iterations with 1 VU
// (k6 lib/executor/execution_config_shortcuts.go).
import http from 'k6/http';

export const options = { iterations: 3 };

export default function () {
  http.get(`${__ENV.BASE}/`);
}
