/**
 * The per-second file's contract, named once: the engine writes it (seconds-file.ts) and the lab
 * reads it (lab/seconds/). A reader that finds another schema name knows the file is from
 * another engine version.
 */

export const LOAD_SECONDS_SCHEMA = 'faultline.load-seconds/v1';

/** Histogram values are microseconds. */
export const LOAD_SECONDS_UNIT = 'us';

/**
 * The request tag whose values get a latency histogram of their own each second (`routes`), so a
 * route's percentiles over any window are exact too (the perf-gate benchmark's hot path).
 */
export const ROUTE_TAG = 'route';

/**
 * At most this many distinct route values get histograms over a run: a script that puts an id in
 * the tag would otherwise grow every second's line without bound. Requests of later values are in
 * `latency` only, and the second's `routesDropped` counts them, so a reader knows a route is cut.
 */
export const MAX_ROUTES = 32;
