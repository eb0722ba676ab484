/**
 * How much a counter grew over a judged window, in PromQL, for fault checks and hypotheses alike.
 *
 * Not increase(): a scenario's window is short and its counters are often born inside it (the
 * first time a breaker opens, the first failed request), and increase() needs two samples of a
 * series inside the window, so it misses a series' first value. Here the growth is summed second
 * by second, a series born inside the window counting from 0, and only over the seconds `$active`
 * lets through: every second of an ordinary window, only the seconds a fault was on in the fault
 * phase (the calm gaps between faults left out). A counter with no series at all is no data, never 0.
 */

/** Samples older than this are left out, so a past run's series never count. */
const LOOKBACK = '5s';

const now = (series: string) => `sum(last_over_time(${series}[${LOOKBACK}]))`;
/** A second earlier; where the series did not exist yet, 0 (but only where it exists now). */
const secondAgo = (series: string) => `sum(last_over_time(${series}[${LOOKBACK}] offset 1s))`;

/** The counter's growth over the last second, summed over its series (a series born in it counting from 0). */
export const grewEachSecond = (series: string) => `(${now(series)} - (${secondAgo(series)} or (0 * ${now(series)})))`;

/**
 * The counter's growth over the window's active seconds, summed over its series. `$window` and
 * `$active` are filled in by whoever judges the expression (the runner).
 */
export const grew = (series: string) => `sum_over_time((${grewEachSecond(series)} and on() $active)[$window:1s])`;
