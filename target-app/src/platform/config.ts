/**
 * Service configuration: read ONLY from the environment, parsed once at start with zod.
 * Every service extends `serviceEnvSchema` with its own fields and calls `parseEnv`.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

export class ConfigError extends Error {
  readonly code = 'APP_ERR_CONFIG';
}

/** An env flag: on/off, true/false, 1/0 (case-insensitive). */
export const envFlag = (fallback: boolean) =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0', 'ON', 'OFF', 'TRUE', 'FALSE'])
    .default(fallback ? 'on' : 'off')
    .transform((v) => ['on', 'true', '1'].includes(v.toLowerCase()));

/** A whole number from an env string. */
export const envInt = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** An optional URL; an empty string counts as unset. */
export const envOptionalUrl = () => z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());

export const envPort = () => z.coerce.number().int().min(1).max(65535);

/** A JSON object from an env string (used for the initial runtime switches). */
export const envJson = z
  .string()
  .default('{}')
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  });

export const samplerNames = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  /** the gateway's: the caller's trace id kept, its sampled flag honoured within a budget (edge-sampler.ts) */
  'faultline_edge',
] as const;

/** What every service reads from its environment. */
export const serviceEnvSchema = z.object({
  /** Service name (gateway, catalog, ...): the `service` label of shipped logs and `service.name` in traces. */
  SERVICE_NAME: z.string().min(1),
  /** Instance name (catalog-1, ...); defaults to the service name. */
  SERVICE_INSTANCE: z.string().min(1).optional(),
  /** Public port; 0 picks a free one (tests). */
  PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Admin port (loopback only); 0 picks a free one. */
  ADMIN_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Bearer token every admin call must carry (the lab generates one per lab); unset = every admin call is refused. */
  ADMIN_TOKEN: z.string().min(16).optional(),
  /**
   * Bind address: loopback, or in a Kubernetes pod the pod's own address (POD_IP, from the
   * downward API), the only way a Service or a probe reaches the pod; never a wildcard.
   */
  HOST: z.ipv4().default('127.0.0.1'),
  /** The pod's address when the service runs in Kubernetes (deploy/kubernetes/ sets it). */
  POD_IP: z.ipv4().optional(),
  /** Telemetry master switch: off disables tracing and the RED metrics middleware (benchmark baseline). */
  TELEMETRY: envFlag(true),
  /** OTLP/HTTP endpoint base (Jaeger), e.g. http://127.0.0.1:4318; unset = no trace export. */
  OTEL_EXPORTER_OTLP_ENDPOINT: envOptionalUrl(),
  OTEL_TRACES_SAMPLER: z.enum(samplerNames).default('parentbased_always_on'),
  /** Ratio for the traceidratio samplers, 0..1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  /**
   * Full URL of a Loki push endpoint the logs are shipped to, e.g. VictoriaLogs'
   * http://127.0.0.1:9428/insert/loki/api/v1/push?_msg_field=msg or a Loki's
   * http://127.0.0.1:3100/loki/api/v1/push; unset = logs only to stdout.
   */
  LOGS_PUSH_URL: envOptionalUrl(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted JSON body. */
  BODY_LIMIT_BYTES: envInt(16 * 1024, 1),
  /** Deadline given to a request that arrives without one (ms). */
  DEFAULT_DEADLINE_MS: envInt(5_000, 1),
  /** How long a stopping service waits for in-flight requests before cutting them (ms). */
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 0),
  /** Initial runtime switches, a JSON object validated by the service's switch schema. */
  SWITCHES: envJson,
});

export type ServiceEnv = z.infer<typeof serviceEnvSchema>;

/** The platform's part of every service's config. */
export interface ServiceConfig {
  name: string;
  instance: string;
  port: number;
  adminPort: number;
  /** The admin API's bearer token; undefined refuses every admin call. */
  adminToken: string | undefined;
  /** 127.0.0.1, or the pod's address in Kubernetes. */
  host: string;
  telemetry: boolean;
  otlpEndpoint: string | undefined;
  sampler: (typeof samplerNames)[number];
  samplerRatio: number;
  /** Loki push endpoint for the logs (LOGS_PUSH_URL); undefined = stdout only. */
  logsPushUrl: string | undefined;
  logLevel: ServiceEnv['LOG_LEVEL'];
  bodyLimitBytes: number;
  defaultDeadlineMs: number;
  shutdownTimeoutMs: number;
  /** Raw initial switches; validated by createService against the service's switch schema. */
  switches: unknown;
}

export function serviceConfigFromEnv(env: ServiceEnv): ServiceConfig {
  if (env.HOST !== '127.0.0.1' && env.HOST !== env.POD_IP) {
    throw new ConfigError(`HOST=${env.HOST}: a service binds 127.0.0.1, or in a pod its POD_IP only: unset HOST`);
  }
  return {
    name: env.SERVICE_NAME,
    instance: env.SERVICE_INSTANCE ?? env.SERVICE_NAME,
    port: env.PORT,
    adminPort: env.ADMIN_PORT,
    adminToken: env.ADMIN_TOKEN,
    host: env.HOST,
    telemetry: env.TELEMETRY,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG,
    logsPushUrl: env.LOGS_PUSH_URL,
    logLevel: env.LOG_LEVEL,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    defaultDeadlineMs: env.DEFAULT_DEADLINE_MS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    switches: env.SWITCHES,
  };
}

/** A service config for tests: defaults everywhere, no exporters, free ports. */
/** The admin token of services built with testServiceConfig: random per process, never a constant. */
export const TEST_ADMIN_TOKEN = randomBytes(24).toString('base64url');

export function testServiceConfig(name: string, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return { ...serviceConfigFromEnv(parseEnv(serviceEnvSchema, { SERVICE_NAME: name, LOG_LEVEL: 'warn', ADMIN_TOKEN: TEST_ADMIN_TOKEN })), ...overrides };
}

/** Parse env with a schema; one error listing every bad variable and what it expected. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`bad service environment: ${lines.join('; ')}`);
  }
  return result.data;
}
