/** The one way the report writes numbers into the page. */

/** Three significant digits, whole numbers as they are; '–' for a missing value. */
export function formatNumber(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  const text = Number.isInteger(value) || Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : String(Number(value.toPrecision(3)));
  return unit ? `${text} ${unit}` : text;
}
