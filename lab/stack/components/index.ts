/**
 * The component table of the native stack, in start order. A component waits for those named in
 * its `after`; the rest start side by side. Adding one is a new module and a line here.
 */
import type { Component } from '../component.ts';
import { postgres } from './postgres.ts';
import { redis } from './redis.ts';
import { toxiproxy } from './toxiproxy.ts';
import { prometheus } from './prometheus.ts';
import { jaeger } from './jaeger.ts';
import { victoriaLogs } from './victoria-logs.ts';

export const COMPONENTS: readonly Component[] = [postgres, redis, toxiproxy, prometheus, jaeger, victoriaLogs];

export function componentNamed(name: string): Component | undefined {
  return COMPONENTS.find((c) => c.name === name);
}

/** The table in waves: each wave's components depend only on earlier waves. */
export function startWaves(components: readonly Component[] = COMPONENTS): Component[][] {
  const waves: Component[][] = [];
  const placed = new Set<string>();
  let rest = [...components];
  while (rest.length > 0) {
    const wave = rest.filter((c) => c.after.every((d) => placed.has(d) || !components.some((o) => o.name === d)));
    if (wave.length === 0) throw new Error(`the component table has a dependency cycle among ${rest.map((c) => c.name).join(', ')}`);
    waves.push(wave);
    for (const c of wave) placed.add(c.name);
    rest = rest.filter((c) => !wave.includes(c));
  }
  return waves;
}
