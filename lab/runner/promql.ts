/**
 * PromQL vocabulary scenarios write their hypotheses in. A scenario's window is short and its
 * counters are often born inside it (the first time a breaker opens, the first timeout to one
 * instance), so growth is measured from the counter's value at the window's start rather than with
 * increase(), which needs two samples of a series inside the window and so misses its first value.
 */

/**
 * How much a counter grew over the window, summed over its series: the last sample at the window's
 * end minus the last at its start, a series born inside the window counting from 0. Samples older
 * than 5 s are left out, so a past run's series never count.
 */
export const grew = (series: string) => `((sum(last_over_time(${series}[5s])) or vector(0)) - (sum(last_over_time(${series}[5s] offset $window)) or vector(0)))`;
