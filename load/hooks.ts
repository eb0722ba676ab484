/**
 * Node module hooks that make a k6 script's imports resolve to the engine: `k6`, `k6/http`,
 * `k6/metrics`, `k6/execution`, `k6/options`. Every other k6 module is refused at load time with
 * one line saying what to use instead; nothing resolves to a silent stand-in.
 */
import { registerHooks } from 'node:module';
import { EngineError } from './run/errors.ts';

const OWN: Record<string, string> = {
  k6: './k6/index.ts',
  'k6/http': './k6/http.ts',
  'k6/metrics': './k6/metrics.ts',
  'k6/execution': './k6/execution.ts',
  'k6/options': './k6/options.ts',
};

const INSTEAD: [RegExp, string][] = [
  [/^k6\/ws$|^k6\/experimental\/websockets$/, 'WebSockets are not offered; drive the service over HTTP with k6/http'],
  [/^k6\/browser$|^k6\/experimental\/browser$/, 'browser tests need a real k6; run this script with --engine k6'],
  [/^k6\/net\/grpc$/, 'gRPC is not offered; call the service over HTTP with k6/http'],
  [/^k6\/x\//, 'k6 extensions (xk6) are not offered; run this script with --engine k6 and your own k6 build'],
  [/^k6\/experimental\//, 'experimental k6 modules are not offered; use k6, k6/http, k6/metrics or k6/execution'],
  [/^k6\//, 'the engine offers k6, k6/http, k6/metrics, k6/execution and k6/options; use plain JavaScript or Node-free code instead'],
];

let registered = false;

/** Install the hooks in this thread (the main thread and every worker call it once); a VU thread gets the blocking k6/http. */
export function installK6Modules(blocking = false): void {
  if (registered) return;
  registered = true;
  if (blocking) OWN['k6/http'] = './k6/http-blocking.ts';
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const own = OWN[specifier];
      if (own !== undefined) return { url: new URL(own, import.meta.url).href, shortCircuit: true };
      if (specifier.startsWith('k6/')) {
        const instead = INSTEAD.find(([pattern]) => pattern.test(specifier))![1];
        throw new EngineError('options', `import "${specifier}" is outside the embedded engine's k6 subset: ${instead}`);
      }
      return nextResolve(specifier, context);
    },
  });
}
