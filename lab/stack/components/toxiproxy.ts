/** Toxiproxy: every faultable edge of the app goes through one of its proxies. */
import { claim, type Component } from '../component.ts';
import { toolBinary } from '../context.ts';
import { ToxiproxyClient } from '../../../chaos/toxiproxy.ts';

export const toxiproxy: Component = {
  name: 'toxiproxy',
  after: [],
  startTimeoutMs: 10_000,
  port: (ports) => ports.toxiproxy,
  metricsPort: (ports) => ports.toxiproxy,
  claims: (ports) => [claim(ports.toxiproxy, 'toxiproxy')],
  binaries: (ctx) => [toolBinary(ctx, 'toxiproxy-server')],

  async prepare(ctx) {
    return {
      command: toolBinary(ctx, 'toxiproxy-server'),
      args: ['-host', '127.0.0.1', '-port', String(ctx.ports.toxiproxy), '-proxy-metrics', '-runtime-metrics'],
    };
  },

  async probe(ctx) {
    await new ToxiproxyClient(ctx.ports.toxiproxy).version();
  },

  version: (ctx) => new ToxiproxyClient(ctx.ports.toxiproxy).version(),
};
