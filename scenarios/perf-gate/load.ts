/**
 * perf-gate load: the fixed benchmark mix at a constant arrival rate well below saturation
 * (open model: a slower build cannot slow the load, so its latency shows in full).
 * Each iteration is one request, drawn by weight: hot reads (a small cached set), cold reads
 * (random products, mostly cache misses), list pages, and orders (POST with a bearer token and
 * an Idempotency-Key). Every request carries a `name` tag so each route has its own figures.
 */
import http from 'k6/http';
import { check } from 'k6';
import { constantArrival, lab, numberVar, openModel } from '../k6/lab.ts';

/** Requests started per second, all kinds together. */
const RATE = numberVar('RATE', 100);
/** Products 1..HOT_KEYS are the hot set; cold reads draw from the rest of PRODUCTS. */
const HOT_KEYS = numberVar('HOT_KEYS', 20);
const PRODUCTS = numberVar('PRODUCTS', 10_000);
/** Shares of the mix, in percent (hot reads take the rest). */
const COLD_PCT = numberVar('COLD_PCT', 15);
const LIST_PCT = numberVar('LIST_PCT', 10);
const ORDER_PCT = numberVar('ORDER_PCT', 5);
const ROUTES = ['hot', 'cold', 'list', 'order'] as const;

export const options = openModel(constantArrival({ rate: RATE, preAllocatedVUs: 100, maxVUs: 1000 }), {
  http_req_failed: ['rate<0.01'],
  // one sub-metric per route, so the summary export carries each route's percentiles
  ...Object.fromEntries(ROUTES.map((route) => [`http_req_duration{route:${route}}`, ['max>=0']])),
});

const pick = (n: number) => 1 + Math.floor(Math.random() * n);

export default async function (): Promise<void> {
  const roll = Math.random() * 100;
  if (roll < ORDER_PCT) {
    const body = JSON.stringify({ items: [{ productId: pick(HOT_KEYS), quantity: 1 }] });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${lab.token}`, 'idempotency-key': `gate-${__VU}-${__ITER}-${Date.now()}` };
    const res = await http.asyncRequest('POST', `${lab.baseUrl}/orders`, body, { headers, tags: { name: 'POST /orders', route: 'order' } });
    check(res, { 'order placed': (r) => r.status === 201 || r.status === 200 });
  } else if (roll < ORDER_PCT + LIST_PCT) {
    const res = await http.asyncRequest('GET', `${lab.baseUrl}/products?page=${pick(5)}&size=20`, null, { tags: { name: 'GET /products', route: 'list' } });
    check(res, { 'page read': (r) => r.status === 200 });
  } else if (roll < ORDER_PCT + LIST_PCT + COLD_PCT) {
    const id = HOT_KEYS + pick(PRODUCTS - HOT_KEYS);
    const res = await http.asyncRequest('GET', `${lab.baseUrl}/products/${id}`, null, { tags: { name: 'GET /products/:id', route: 'cold' } });
    check(res, { 'product read': (r) => r.status === 200 });
  } else {
    const res = await http.asyncRequest('GET', `${lab.baseUrl}/products/${pick(HOT_KEYS)}`, null, { tags: { name: 'GET /products/:id', route: 'hot' } });
    check(res, { 'product read': (r) => r.status === 200 });
  }
}
