/**
 * A worker thread of `--workers N`: async iterations, whose requests it makes itself, so it warms
 * up its own request path first. A VU thread (a synchronous exec function) is vu-thread.ts.
 */
import { serveIterations } from './thread-iterations.ts';
import { warmUp } from './warm-up.ts';

await serveIterations({
  prepare: () => {},
  loaded: () => warmUp(undefined),
  running: () => {},
  flushEveryMs: 20,
});
