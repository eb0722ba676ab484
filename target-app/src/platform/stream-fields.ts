/** Redis answers streams and XINFO as flat [field, value, field, value, ...] lists; this reads one as a map. */
export function fieldMap<V>(flat: readonly V[]): Map<string, V> {
  const map = new Map<string, V>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]!);
  return map;
}
