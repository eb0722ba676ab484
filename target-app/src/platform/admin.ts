/**
 * The admin app: loopback-only, on its own port, never reachable through the public one, and
 * every call carries the lab's admin token (`Authorization: Bearer <ADMIN_TOKEN>`): any local
 * process can reach a loopback port, so the port alone does not say who may flip a switch.
 * GET /admin/config shows the switches; PATCH /admin/config applies a validated partial change.
 * Services add their own admin routes on `router` (e.g. the gateway's upstream discovery).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { notFoundHandler, ProblemError, problemHandler } from './problem.ts';
import type { Switches, SwitchSchema } from './switches.ts';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** 401 problem+json unless the request carries the admin token; with no token configured, every call is refused. */
export function requireAdminToken(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : digest(token);
  return (req, _res, next) => {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    // equal-length digests compared in constant time: the answer says nothing of how close a guess was
    if (expected && match && timingSafeEqual(digest(match[1]!), expected)) {
      next();
      return;
    }
    const detail = expected ? 'admin calls need `Authorization: Bearer <the lab admin token>` (.lab/secrets.json)' : 'this service has no ADMIN_TOKEN, so its admin API is closed';
    next(new ProblemError('unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer realm="faultline-admin"' } }));
  };
}

export function createAdminApp(options: {
  service: string;
  instance: string;
  adminToken: string | undefined;
  switches: Switches<SwitchSchema>;
  router: Router;
  onServerError: (error: unknown, problem: { code: string; status: number }) => void;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requireAdminToken(options.adminToken));
  app.use(express.json({ limit: '64kb' }));
  app.get('/admin/config', (_req, res) => {
    res.json({ service: options.service, instance: options.instance, switches: options.switches.current });
  });
  app.patch('/admin/config', (req, res) => {
    const switches = options.switches.patch(req.body);
    res.json({ service: options.service, instance: options.instance, switches });
  });
  app.use(options.router);
  app.use(notFoundHandler);
  app.use(problemHandler(options.onServerError));
  return app;
}
