/**
 * The admin app: loopback-only, on its own port, never reachable through the public one.
 * GET /admin/config shows the switches; PATCH /admin/config applies a validated partial change.
 * Services add their own admin routes on `router` (e.g. the gateway's upstream discovery).
 */
import express, { type Express, type Router } from 'express';
import { notFoundHandler, problemHandler } from './problem.ts';
import type { Switches, SwitchSchema } from './switches.ts';

export function createAdminApp(options: { service: string; instance: string; switches: Switches<SwitchSchema>; router: Router; onServerError: (error: unknown, problem: { code: string; status: number }) => void }): Express {
  const app = express();
  app.disable('x-powered-by');
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
