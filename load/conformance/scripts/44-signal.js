// SIGINT (Ctrl+C) or SIGTERM: k6 aborts the run at once: running iterations are interrupted (counted in neither
// iterations nor iteration_duration), teardown() still runs, the summary is still written, and the
// exit code is 105 with "test run was aborted because k6 received a 'interrupt' signal" ('terminated'
// for SIGTERM) (k6 internal/cmd/run.go, internal/execution/scheduler.go). The suite sends the signal
// 1 s after the first request arrived.
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '30s', preAllocatedVUs: 2, gracefulStop: '30s' } },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/delay/60000`);
}

export async function teardown() {
  await http.asyncRequest('GET', `${__ENV.BASE}/echo`);
}
