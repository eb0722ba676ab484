/**
 * gateway: the public API. Products and prices from catalog and pricing, orders from orders
 * (bearer token required), behind a rate limit and optional load shedding; every pattern is
 * a switch (config.ts). Admin adds PUT /admin/upstreams/catalog for run-time discovery.
 */
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { requireBearer } from '../../platform/auth.ts';
import { requestDeadline } from '../../platform/http-server.ts';
import { HttpClient } from '../../platform/http-client.ts';
import { idempotencyKey } from '../../platform/idempotency-key.ts';
import { ProblemError } from '../../platform/problem.ts';
import { productIdParams } from '../../platform/product-id.ts';
import { Breaker } from '../../platform/resilience/breaker.ts';
import { Retrier } from '../../platform/resilience/retry.ts';
import { sheddingOptionsOf } from '../../platform/resilience/shedding.ts';
import { createService, type Service } from '../../platform/service.ts';
import { parseBody, parseParams, parseQuery } from '../../platform/validation.ts';
import { CatalogClient } from './catalog-client.ts';
import { CatalogPool } from './catalog-pool.ts';
import { gatewaySwitches, type GatewayConfig, type GatewaySwitches } from './config.ts';
import { failOn5xx, isDependencyFailure, isRetryable, sendUpstream, upstreamProblem } from './forward.ts';
import { PricingClient } from './pricing-client.ts';
import { rangeOf, upstreamsBody } from './upstream-policy.ts';

export type GatewayService = Service<typeof gatewaySwitches>;

const orderId = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an order id') });
const listQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  size: z.coerce.number().int().min(1).max(100).default(20),
  sort: z.enum(['id', 'name', 'price', '-id', '-name', '-price']).default('id'),
});
/** The gateway checks the shape; orders checks the content (422s come from there). */
const orderBody = z.record(z.string(), z.unknown());

function retryOptions(s: GatewaySwitches) {
  const options = { maxAttempts: s.retryMaxAttempts, baseDelayMs: s.retryBaseDelayMs, maxDelayMs: s.retryMaxDelayMs, budgetRatio: s.retryBudgetRatio };
  return { ...options, policy: s.retries };
}

export function createApp(config: GatewayConfig): GatewayService {
  const service = createService({ config: config.service, switches: gatewaySwitches, shedding: sheddingOptionsOf });
  const { metrics, logger, switches } = service;
  const traced = config.service.telemetry;
  const s0 = switches.current;

  const pool = new CatalogPool(config.catalogUrls, poolSettings(s0), metrics, logger);
  const catalogRetrier = new Retrier('catalog', metrics, catalogRetryOptions(s0));
  const pricingRetrier = new Retrier('pricing', metrics, retryOptions(s0));
  const ordersRetrier = new Retrier('orders', metrics, retryOptions(s0));
  const breaker = new Breaker('pricing', metrics, breakerOptions(s0));
  const fallbacks = metrics.counter({ name: 'price_fallbacks_total', help: 'Prices served from the last known value while pricing failed, by why.', labelNames: ['reason'] });
  const catalog = new CatalogClient({ http: new HttpClient({ peer: 'catalog', metrics, traced, connections: 128 }), pool, retrier: catalogRetrier, timeoutMs: () => switches.current.catalogTimeoutMs });
  const pricingHttp = new HttpClient({ peer: 'pricing', metrics, traced });
  const pricing = new PricingClient({
    http: pricingHttp,
    origin: config.pricingUrl,
    breaker,
    retrier: pricingRetrier,
    settings: () => ({ breaker: switches.current.breaker === 'on', timeoutMs: switches.current.pricingTimeoutMs }),
    onFallback: (reason) => fallbacks.inc({ reason }),
  });
  const orders = new HttpClient({ peer: 'orders', metrics, traced });

  switches.onChange((next, prev) => {
    pool.reconfigure(poolSettings(next));
    catalogRetrier.reconfigure(catalogRetryOptions(next));
    pricingRetrier.reconfigure(retryOptions(next));
    ordersRetrier.reconfigure(retryOptions(next));
    const breakerChanged = (['breaker', 'breakerConsecutiveFailures', 'breakerHalfOpenAfterMs'] as const).some((k) => next[k] !== prev[k]);
    if (breakerChanged) breaker.reconfigure(breakerOptions(next));
  });

  service.routes.use(
    rateLimit({
      windowMs: 1_000,
      limit: () => switches.current.rateLimitPerSecond || 1,
      skip: () => switches.current.rateLimitPerSecond === 0,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, _res, next) => next(new ProblemError('rate-limited', 'slow down', { headers: { 'Retry-After': '1' } })),
    }),
  );

  service.routes.get('/products', async (req, res) => {
    const { page, size, sort } = parseQuery(listQuery, req);
    sendUpstream(res, await catalogCall(`/products?page=${page}&size=${size}&sort=${encodeURIComponent(sort)}`, requestDeadline(res)));
  });

  service.routes.get('/products/:id', async (req, res) => {
    const { id } = parseParams(productIdParams, req);
    sendUpstream(res, await catalogCall(`/products/${id}`, requestDeadline(res)));
  });

  service.routes.get('/products/:id/price', async (req, res) => {
    const { id } = parseParams(productIdParams, req);
    const answer = await pricing.price(id, requestDeadline(res));
    res.setHeader('X-Price-Source', answer.source);
    res.status(answer.status).json(answer.body);
  });

  const auth = requireBearer(() => config.jwtSecret);

  service.routes.post('/orders', auth, async (req, res) => {
    const body = parseBody(orderBody, req);
    const key = req.headers['idempotency-key'];
    const headers: Record<string, string> = { 'x-customer-id': String(res.locals.subject) };
    if (key !== undefined) {
      const parsed = idempotencyKey.safeParse(key);
      if (!parsed.success) throw new ProblemError('malformed-request', `Idempotency-Key ${parsed.error.issues[0]?.message ?? 'is not valid'}`);
      headers['idempotency-key'] = parsed.data;
    }
    const deadline = requestDeadline(res);
    const call = () => orders.request({ origin: config.ordersUrl, path: '/orders', method: 'POST', body, headers, deadline, timeoutMs: switches.current.ordersTimeoutMs });
    try {
      // A POST is retried only when an Idempotency-Key makes a second attempt safe.
      const result = key === undefined ? await call() : await ordersRetrier.run({ deadline, retryable: isRetryable, attempt: async () => failOn5xx('orders', await call()) });
      sendUpstream(res, failOn5xx('orders', result));
    } catch (error) {
      throw upstreamProblem('orders', error);
    }
  });

  service.routes.get('/orders/:id', auth, async (req, res) => {
    const { id } = parseParams(orderId, req);
    const deadline = requestDeadline(res);
    const headers = { 'x-customer-id': String(res.locals.subject) };
    try {
      const result = await ordersRetrier.run({
        deadline,
        retryable: isRetryable,
        attempt: async () => failOn5xx('orders', await orders.request({ origin: config.ordersUrl, path: `/orders/${encodeURIComponent(id)}`, headers, deadline, timeoutMs: switches.current.ordersTimeoutMs })),
      });
      sendUpstream(res, result);
    } catch (error) {
      throw upstreamProblem('orders', error);
    }
  });

  service.adminRoutes.get('/admin/upstreams/catalog', (_req, res) => {
    res.json({ urls: pool.urls });
  });
  service.adminRoutes.put('/admin/upstreams/catalog', (req, res) => {
    const { urls } = parseBody(upstreamsBody(config.catalogUpstreamPorts ?? rangeOf(config.catalogUrls)), req);
    pool.setUpstreams(urls);
    logger.info({ urls }, 'catalog upstreams changed');
    res.json({ urls: pool.urls });
  });

  service.readiness('catalog upstreams', async () => {
    if (pool.urls.length === 0) throw new Error('no catalog instance known');
  });
  service.onClose(() => pool.close());

  async function catalogCall(path: string, deadline: number) {
    if (deadline <= Date.now()) throw new ProblemError('deadline-exceeded');
    try {
      return await catalog.get(path, deadline);
    } catch (error) {
      throw upstreamProblem('catalog', error);
    }
  }

  return service;
}

function poolSettings(s: GatewaySwitches) {
  return { failover: s.failover === 'on', healthCheckIntervalMs: s.healthCheckIntervalMs, outlierConsecutiveFailures: s.outlierConsecutiveFailures, outlierEjectionMs: s.outlierEjectionMs };
}

/** Failover on promises a retry on another instance even when the retry policy is none. */
function catalogRetryOptions(s: GatewaySwitches) {
  const options = retryOptions(s);
  if (s.failover === 'on' && s.retries === 'none') return { ...options, policy: 'naive' as const, maxAttempts: 2 };
  return options;
}

/** The caller's own deadline running out says nothing of pricing's health: it is not a breaker failure. */
function breakerOptions(s: GatewaySwitches) {
  return { enabled: s.breaker === 'on', consecutiveFailures: s.breakerConsecutiveFailures, halfOpenAfterMs: s.breakerHalfOpenAfterMs, isFailure: isDependencyFailure };
}
