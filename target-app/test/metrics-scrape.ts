/** Reads a service's /metrics the way Prometheus does, for tests that count what a service did. */

/** Sum of every sample of `name` whose labels include `labels` (e.g. db_client_operation_duration_seconds_count). */
export async function scrapeSum(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`GET ${baseUrl}/metrics answered ${response.status}`);
  const text = await response.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) sum += Number(match[4]);
  }
  return sum;
}
