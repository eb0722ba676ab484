/**
 * One threshold expression, `<aggregation> <operator> <number>` ('p(95) < 500', 'rate<=1e-2'),
 * read the way k6 reads it. The one parser of the project: the engine judges thresholds with it,
 * and the lab reads back the figures of the thresholds an engine (this one or a real k6) judged.
 */

export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export interface ThresholdExpression {
  /** count, rate, value, avg, min, max, med or p(N): which ones a metric allows depends on its type. */
  aggregation: string;
  operator: ThresholdOperator;
  bound: number;
}

// the bound is a decimal as k6 reads it (Go's ParseFloat): a sign, '.5', '1e+3' and '1E3' included
const EXPRESSION = /^\s*([a-z]+|p\(\d+(?:\.\d+)?\))\s*(<=|>=|===|==|!=|<|>)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;

/** The parts of `source`, or null when it is not a threshold expression. */
export function parseThresholdExpression(source: string): ThresholdExpression | null {
  const match = EXPRESSION.exec(source);
  if (!match) return null;
  return { aggregation: match[1]!, operator: match[2] as ThresholdOperator, bound: Number(match[3]) };
}
