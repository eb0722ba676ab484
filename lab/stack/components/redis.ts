/**
 * Redis: cache and the order event stream. The stream outlives a restart (append-only file,
 * fsync every second: a crash loses at most the last second or two of writes, which the orders
 * outbox publishes again while they stay unconfirmed); memory is bounded and only keys with a TTL (the page cache) are
 * evicted, so the cache can never crowd the order stream out.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { claim, type Component } from '../component.ts';
import { systemBinary, type StackContext } from '../context.ts';

/** Bound on Redis' memory: the cache is evicted before it reaches it, the stream never. */
export const REDIS_MAX_MEMORY = '256mb';

/** The arguments both runtimes give redis-server after its address (compose.yml mirrors them; a test keeps them equal). */
export const REDIS_DURABILITY_ARGS = [
  '--save', '',
  '--appendonly', 'yes',
  '--appendfsync', 'everysec',
  '--maxmemory', REDIS_MAX_MEMORY,
  '--maxmemory-policy', 'volatile-lru',
] as const;

async function withRedis<T>(ctx: StackContext, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port: ctx.ports.redis, lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

export const redis: Component = {
  name: 'redis',
  after: [],
  startTimeoutMs: 10_000,
  port: (ports) => ports.redis,
  claims: (ports) => [claim(ports.redis, 'redis')],
  binaries: (ctx) => [systemBinary(ctx, 'redis-server', 'redis-server')],

  dataDir: (ctx) => join(ctx.dir, 'redis'),

  async prepare(ctx) {
    const dir = join(ctx.dir, 'redis');
    mkdirSync(dir, { recursive: true });
    return {
      command: systemBinary(ctx, 'redis-server', 'redis-server'),
      args: [
        '--bind', '127.0.0.1',
        '--port', String(ctx.ports.redis),
        ...REDIS_DURABILITY_ARGS,
        '--dir', dir,
        '--daemonize', 'no',
        '--set-proc-title', 'no', // keep argv as started, so the pid file check sees the real command
        '--maxclients', '2000',
      ],
    };
  },

  async probe(ctx) {
    const reply = await withRedis(ctx, (r) => r.ping());
    if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
  },

  async version(ctx) {
    const info = await withRedis(ctx, (r) => r.info('server'));
    return /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  },
};
