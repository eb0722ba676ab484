/** The platform's public surface: what every service imports. See README.md beside this file. */
export { ConfigError, envFlag, envInt, envJson, envPort, parseEnv, serviceConfigFromEnv, serviceEnvSchema, testServiceConfig, type ServiceConfig, type ServiceEnv } from './config.ts';
export { createService, runService, serviceMain, type ReadinessCheck, type Service, type ServiceOptions } from './service.ts';
export { Switches, type SwitchSchema } from './switches.ts';
export { ServiceMetrics, LATENCY_BUCKETS, observe, type ExemplarIds } from './metrics.ts';
export { startTracing, withSpan, recordFailure, activeTraceIds, injectTraceHeaders, tracer, SpanKind, type Tracing, type Span } from './tracing.ts';
export { createLogger, flushLogger, type Logger } from './logger.ts';
export { ProblemError, isProblemError, problemCatalogue, problemType, sendProblem, PROBLEM_CONTENT_TYPE, type ProblemCode } from './problem.ts';
export { parseBody, parseParams, parseQuery } from './validation.ts';
export { DEADLINE_HEADER, requestDeadline, remainingMs, routeOf } from './http-server.ts';
export { HttpClient, UpstreamError, isUpstreamError, type HttpCall, type HttpResult, type HttpClientOptions } from './http-client.ts';
export { Database, createDatabase, createRedis, queryLabelsOf, type Queryable, type QueryLabels, type PostgresOptions } from './datastores.ts';
export { Breaker, BrokenCircuitError, isBrokenCircuit, type BreakerOptions } from './resilience/breaker.ts';
export { Retrier, type RetryOptions, type RetryPolicyName } from './resilience/retry.ts';
export { LoadShedder, type SheddingOptions } from './resilience/shedding.ts';
export { resilienceMetrics } from './resilience/resilience-metrics.ts';
export { verifyToken, requireBearer } from './auth.ts';
