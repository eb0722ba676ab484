/**
 * PromQL vocabulary scenarios write their hypotheses in: counter growth over the judged seconds
 * (chaos/counter-growth.ts says why not increase()), and the one measure of failed requests every
 * scenario uses, whose absence means 0 only while the load's own requests have data.
 */
import { grew, grewEachSecond } from '../../chaos/counter-growth.ts';
import type { PromqlMeasure } from './schema.ts';

export { grew, grewEachSecond };

/** The load engine's requests of this variant (k6's name), optionally narrowed, e.g. `name="price"`. */
const requests = (extra: string, narrow?: string) => `k6_http_reqs_total{variant="$variant"${extra}${narrow ? `,${narrow}` : ''}}`;

/**
 * Requests the load engine counted as failed (expected_response="false") over the judged seconds.
 * That series exists only once a request failed, so its absence is 0, but only while the
 * variant's requests have data: with no requests at all it is no data.
 */
export function failedRequests(narrow?: string): PromqlMeasure {
  return { promql: grew(requests(',expected_response="false"', narrow)), absentMeansZero: { witness: grew(requests('', narrow)) } };
}

/** The share of the variant's requests that failed over the judged seconds (no data without requests). */
export function failedShare(narrow?: string): PromqlMeasure {
  return { promql: `${grew(requests(',expected_response="false"', narrow))} / ${grew(requests('', narrow))}`, absentMeansZero: { witness: grew(requests('', narrow)) } };
}

/** `expr`, or 0 where it has no series while `witness` has data: an inner term whose absence means 0. */
export const orZeroWhile = (expr: string, witness: string) => `(${expr} or (0 * sum(${witness})))`;

/**
 * A quantile of a native histogram (e.g. the load engine's k6_http_req_duration_seconds) over the
 * judged seconds: in the fault phase only the seconds a fault was on, the calm gaps left out.
 */
export const quantileOverJudged = (q: number, histogram: string) => `histogram_quantile(${q}, $merged(${histogram}))`;
