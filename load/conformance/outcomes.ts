/**
 * What k6 does with each script of scripts/: the outcome its documentation states or its source
 * implies (each script's header says which). The suite (conformance.test.ts) runs every script on
 * the engine against its own server and holds the engine to these outcomes.
 */

/** An exact value, or an inclusive [min, max] where k6's own timing makes the count vary. */
export type Expected = number | [number, number];

export interface Outcome {
  /** The script it runs, when not the one of its own name (one script, several ways to stop it). */
  script?: string;
  exit: number;
  /** Summary export: metric (or submetric key) → field → value. */
  metrics?: Record<string, Record<string, Expected>>;
  /** Metric keys the summary export must hold, and must not. */
  present?: string[];
  absent?: string[];
  /** Summary export thresholds: key → expression → true when it FAILED. */
  thresholds?: Record<string, Record<string, boolean>>;
  /** root_group checks by path ("::group::check") → passes and fails. */
  checks?: Record<string, { passes: number; fails: number }>;
  /** Text each of stderr / stdout must contain. */
  stderr?: string[];
  stdout?: string[];
  /** Text stderr must not contain. */
  notInStderr?: string[];
  /** Extra -e values (BASE and CLOSED are always given). */
  env?: Record<string, string>;
  /** Sent once the first request reached `/delay/<ms>` paths, after `afterMs`. */
  signal?: { name: 'SIGINT' | 'SIGTERM'; afterMs: number };
  /** Requests the suite's server received per path. */
  hits?: Record<string, number>;
}

const BUILT_IN_HTTP = ['http_reqs', 'http_req_duration', 'http_req_blocked', 'http_req_connecting', 'http_req_tls_handshaking',
  'http_req_sending', 'http_req_waiting', 'http_req_receiving', 'http_req_failed', 'iterations', 'iteration_duration',
  'vus', 'vus_max', 'data_sent', 'data_received', 'http_req_duration{expected_response:true}'];

const aborted = (signal: string): Outcome => ({
  script: '44-signal',
  exit: 105,
  signal: { name: signal === 'interrupt' ? 'SIGINT' : 'SIGTERM', afterMs: 1_000 },
  absent: ['iterations', 'iteration_duration'],
  metrics: { http_reqs: { count: 1 } },
  hits: { '/echo': 1 },
  stderr: [`test run was aborted because k6 received a '${signal}' signal`],
});

export const OUTCOMES: Record<string, Outcome> = {
  '01-constant-arrival-rate': { exit: 0, metrics: { iterations: { count: 5, rate: [4, 5.1] }, http_reqs: { count: 5 }, vus_max: { value: 2 } }, absent: ['dropped_iterations'], hits: { '/': 5 } },
  '02-time-unit': { exit: 0, metrics: { iterations: { count: 3 } } },
  '03-ramping-arrival-rate': { exit: 0, metrics: { iterations: { count: 15 } } },
  '04-start-time': { exit: 0, metrics: { iterations: { count: 6 } }, thresholds: { 'http_reqs{scenario:first}': { 'count==2': false }, 'http_reqs{scenario:later}': { 'count==4': false } } },
  '05-dropped-iterations': { exit: 0, metrics: { iterations: { count: 1 }, dropped_iterations: { count: 9 } }, stderr: ['Insufficient VUs, reached 1 active VUs and cannot initialize more'] },
  '06-per-vu-iterations': { exit: 0, metrics: { iterations: { count: 6 }, http_reqs: { count: 6 }, vus_max: { value: 3 } } },
  '07-shared-iterations': { exit: 0, metrics: { iterations: { count: 7 }, http_reqs: { count: 7 }, vus_max: { value: 2 } } },
  '08-constant-vus': { exit: 0, metrics: { iterations: { count: [6, 8] }, vus_max: { value: 2 }, iteration_duration: { min: [299, 400] } } },
  '09-ramping-vus': { exit: 0, metrics: { iterations: { count: [6, 16] }, vus_max: { max: 2 } } },
  '10-iterations-shortcut': { exit: 0, metrics: { iterations: { count: 3 }, http_reqs: { count: 3 }, vus_max: { value: 1 } } },
  '11-vus-duration-shortcut': { exit: 0, metrics: { iterations: { count: [6, 9] }, vus_max: { value: 3 } } },
  '12-stages-shortcut': { exit: 0, metrics: { iterations: { count: [4, 20] }, vus_max: { max: 3 } } },
  '13-getting-started': { exit: 0, metrics: { iterations: { count: 30 }, http_reqs: { count: 30 }, vus_max: { value: 10 }, iteration_duration: { min: [1000, 1300] } } },
  '14-batch': { exit: 0, metrics: { iterations: { count: 4 }, http_reqs: { count: 12 } }, checks: { '::three in order': { passes: 4, fails: 0 } } },
  '15-sync-methods': { exit: 0, metrics: { http_reqs: { count: 8 } }, checks: { '::methods': { passes: 1, fails: 0 }, '::head has no body': { passes: 1, fails: 0 } } },
  '16-threshold-tag-filter': {
    exit: 99,
    thresholds: {
      'http_reqs{status:404}': { 'count==4': false },
      'http_reqs{name:home}': { 'count==4': false, 'count>4': true },
      'http_req_duration{name:home}': { 'p(95)<1000': false, 'max<1000': false },
    },
    stderr: ["thresholds on metrics 'http_reqs{name:home}' have been crossed"],
  },
  '17-unused-submetric': { exit: 0, present: ['http_req_failed{name:never-used}'], stderr: ['Threshold error'] },
  '18-checks-late': { exit: 0, metrics: { checks: { passes: 1, fails: 0 }, iterations: { count: 1 } }, thresholds: { checks: { 'rate>0.99': false } }, notInStderr: ['abortOnFail'] },
  '19-empty-rate-end': { exit: 0, present: ['never_added'], stderr: ['Threshold error'] },
  '20-empty-trend-end': { exit: 99, thresholds: { unused_trend: { 'avg<100': false, 'max>0': true } } },
  '21-empty-counter-end': { exit: 0, thresholds: { unused_counter: { 'count==0': false } } },
  '22-abort-delayed': {
    exit: 99, metrics: { iterations: { count: [14, 26] } },
    stderr: ["thresholds on metrics 'http_req_failed' were crossed; at least one has abortOnFail enabled, stopping test prematurely"],
  },
  '23-abort-at-once': {
    exit: 99, metrics: { iterations: { count: [5, 16] } },
    stderr: ["thresholds on metrics 'http_req_duration{expected_response:true}' were crossed; at least one has abortOnFail enabled, stopping test prematurely"],
  },
  '24-threshold-failed-end': { exit: 99, thresholds: { http_reqs: { 'count==4': false, 'count<2': true } }, stderr: ["thresholds on metrics 'http_reqs' have been crossed"] },
  '25-checks': {
    exit: 0, metrics: { checks: { passes: 6, fails: 3 }, all_held: { count: 0 } },
    checks: { '::is seven': { passes: 3, fails: 0 }, '::is odd': { passes: 3, fails: 0 }, '::is big': { passes: 0, fails: 3 } },
  },
  '26-check-tags': { exit: 0, metrics: { checks: { passes: 2, fails: 2 } }, thresholds: { 'checks{kind:tagged}': { 'rate==1': false }, 'checks{check:fails}': { 'rate==0': false } } },
  '27-nested-groups': {
    exit: 0, checks: { '::outer::inner::inside': { passes: 2, fails: 0 }, "::group returns the function's value": { passes: 2, fails: 0 } },
    thresholds: { 'inside{group:::outer::inner}': { 'count==2': false }, 'group_duration{group:::outer}': { 'max>=0': false } },
  },
  '28-async-group': {
    exit: 0, metrics: { iterations: { count: 2 } }, checks: { '::async group rejected': { passes: 2, fails: 0 } },
    stderr: ['group() does not support async functions as arguments'],
  },
  '29-tags': {
    exit: 0,
    thresholds: Object.fromEntries(['name:product', 'team:shop', 'flow:browse', 'kind:api', 'method:GET', 'status:200'].map((f) => [`http_reqs{${f}}`, { 'count==3': false }])),
  },
  '30-setup-teardown': {
    exit: 0, metrics: { http_reqs: { count: 4 }, checks: { passes: 3, fails: 0 } },
    thresholds: { 'http_reqs{group:::setup}': { 'count==1': false }, 'http_reqs{group:::teardown}': { 'count==1': false } },
  },
  '31-handle-summary': { exit: 0, stdout: ['iterations=3 type=counter contains=default'], metrics: { iterations: { count: 3 } } },
  '32-env': { exit: 0, env: { GREETING: 'cli' }, metrics: { checks: { passes: 2, fails: 0 } } },
  '33-vu-iter': { exit: 0, metrics: { checks: { passes: 5, fails: 0 }, iter_seen: { min: 0, max: 3 } } },
  '34-execution': { exit: 0, metrics: { checks: { passes: 10, fails: 0 }, iteration_in_test: { min: 0, max: 4 } } },
  '35-test-abort': { exit: 108, stderr: ['enough'] },
  '36-custom-metrics': {
    exit: 0,
    metrics: {
      my_counter: { count: 8 }, my_gauge: { value: 5, min: 5, max: 12 },
      my_rate: { passes: 2, fails: 2, value: 0.5 }, my_trend: { avg: 15, min: 0, max: 30, count: 4 },
    },
  },
  '37-refused': { exit: 0, metrics: { checks: { passes: 4, fails: 0 }, http_req_failed: { value: 1 } }, thresholds: { 'http_reqs{status:0}': { 'count==2': false }, 'http_reqs{error_code:1212}': { 'count==2': false } } },
  '38-reset': { exit: 0, metrics: { checks: { passes: 4, fails: 0 } } },
  '39-request-timeout': { exit: 0, metrics: { checks: { passes: 2, fails: 0 } }, thresholds: { 'http_reqs{error_code:1050}': { 'count==4': false }, 'http_req_duration{name:short}': { 'max<900': false } } },
  '40-status-error-code': { exit: 0, metrics: { checks: { passes: 2, fails: 0 } } },
  '41-redirects': { exit: 0, metrics: { checks: { passes: 10, fails: 0 }, http_reqs: { count: 10 } } },
  '42-redirect-limit': { exit: 0, metrics: { checks: { passes: 2, fails: 0 }, http_reqs: { count: 3 } } },
  '43-response-callback': { exit: 0, metrics: { http_req_failed: { passes: 2, fails: 2 } } },
  '44-signal': aborted('interrupt'),
  '45-sigterm': aborted('terminated'),
  '46-iteration-exception': { exit: 0, metrics: { iterations: { count: 4 } }, stderr: ['on purpose'] },
  '47-init-exception': { exit: 107, stderr: ['broken init'] },
  '48-setup-exception': { exit: 107, stderr: ['setup broke'], absent: ['iterations'] },
  '49-discard-bodies': { exit: 0, metrics: { checks: { passes: 2, fails: 0 } } },
  '50-builtin-metrics': { exit: 0, present: BUILT_IN_HTTP, metrics: { http_reqs: { count: 2 }, data_sent: { count: [100, 2_000] }, data_received: { count: [100, 2_000] } } },
  '51-unawaited-sleep': { exit: 0, metrics: { iterations: { count: 2 } }, thresholds: { iteration_duration: { 'min>=290': false } } },
  '52-closed-async': { exit: 0, metrics: { iterations: { count: 6 }, http_reqs: { count: 6 } } },
  '53-execution-segment': { exit: 0, metrics: { iterations: { count: 3 }, vus_max: { value: 1 } }, checks: { '::global iteration 1, 5 or 9': { passes: 3, fails: 0 } }, hits: { '/': 3 } },
  '54-execution-segment-arrival': { exit: 0, metrics: { iterations: { count: 3 }, vus_max: { value: 1 } }, absent: ['dropped_iterations'], checks: { '::global iteration 1, 4 or 7': { passes: 3, fails: 0 } }, hits: { '/': 3 } },
};
