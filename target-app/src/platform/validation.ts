/**
 * Request validation with zod: each helper returns typed data or throws a ProblemError
 * (400 for params/query/missing body, 422 for a body that parses but breaks the schema).
 */
import type { Request } from 'express';
import type { z } from 'zod';
import { ProblemError } from './problem.ts';

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

function describe(issues: { path: string; message: string }[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

export function parseParams<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.params);
  if (result.success) return result.data;
  const errors = issuesOf(result.error);
  throw new ProblemError('invalid-parameter', describe(errors), { extensions: { errors } });
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.query);
  if (result.success) return result.data;
  const errors = issuesOf(result.error);
  throw new ProblemError('invalid-parameter', describe(errors), { extensions: { errors } });
}

export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  if (req.body === undefined) {
    const type = req.headers['content-type'];
    if (type && !/^application\/json\b/i.test(type)) throw new ProblemError('unsupported-media-type', `got ${type}`);
    throw new ProblemError('malformed-body', 'a JSON body is required');
  }
  const result = schema.safeParse(req.body);
  if (result.success) return result.data;
  const errors = issuesOf(result.error);
  throw new ProblemError('invalid-body', describe(errors), { extensions: { errors } });
}
