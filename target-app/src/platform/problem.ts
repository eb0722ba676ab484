/**
 * The one catalogue of problem+json errors (RFC 9457). Each code has a stable `type` URI,
 * a title and a status; handlers throw `new ProblemError(code, detail)` and the error
 * middleware writes `application/problem+json`.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'urn:faultline:problem:';

export const problemCatalogue = {
  'malformed-request': { status: 400, title: 'The request is malformed' },
  'invalid-parameter': { status: 400, title: 'A path or query parameter is not valid' },
  'malformed-body': { status: 400, title: 'The body is missing or is not valid JSON' },
  unauthorized: { status: 401, title: 'A valid bearer token is required' },
  'route-not-found': { status: 404, title: 'No such route' },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'Method not allowed on this route' },
  'idempotency-key-reused': { status: 409, title: 'The Idempotency-Key was used with a different request' },
  'idempotency-key-in-flight': { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  'body-too-large': { status: 413, title: 'The body is larger than the limit' },
  'unsupported-media-type': { status: 415, title: 'The body must be application/json' },
  'invalid-body': { status: 422, title: 'The body does not match the schema' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  'upstream-failed': { status: 502, title: 'A dependency failed' },
  overloaded: { status: 503, title: 'The service is overloaded; retry later' },
  'not-ready': { status: 503, title: 'The service is not ready' },
  'upstream-unavailable': { status: 503, title: 'No healthy instance of a dependency' },
  'deadline-exceeded': { status: 504, title: 'The request deadline passed' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof problemCatalogue;

export function problemType(code: ProblemCode): string {
  return `${TYPE_BASE}${code}`;
}

export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly detail: string | undefined;
  /** Extension members added to the body (e.g. `errors`, `retryAfterSeconds`). */
  readonly extensions: Record<string, unknown>;
  /** Extra response headers (e.g. Retry-After, WWW-Authenticate). */
  readonly headers: Record<string, string>;

  constructor(code: ProblemCode, detail?: string, options: { extensions?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(detail ?? problemCatalogue[code].title, { cause: options.cause });
    this.name = 'ProblemError';
    this.code = code;
    this.status = problemCatalogue[code].status;
    this.detail = detail;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

export function isProblemError(error: unknown): error is ProblemError {
  return error instanceof ProblemError;
}

export function sendProblem(res: Response, problem: ProblemError, instance?: string): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res
    .status(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: problemType(problem.code),
        title: problemCatalogue[problem.code].title,
        status: problem.status,
        ...(problem.detail ? { detail: problem.detail } : {}),
        ...(instance ? { instance } : {}),
        ...problem.extensions,
      }),
    );
}

/** Maps body-parser errors (their `type` field) to catalogue codes. */
function fromBodyParser(error: { type?: string; status?: number; message?: string }): ProblemError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new ProblemError('body-too-large', error.message);
    case 'entity.parse.failed':
      return new ProblemError('malformed-body', 'the body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ProblemError('unsupported-media-type', error.message);
    case 'request.aborted':
    case 'request.size.invalid':
      return new ProblemError('malformed-request', error.message);
    default:
      return undefined;
  }
}

/** Turns any error into a ProblemError; unknown errors become 500 `internal`. */
export function toProblem(error: unknown): ProblemError {
  if (isProblemError(error)) return error;
  if (error && typeof error === 'object') {
    const parsed = fromBodyParser(error as { type?: string });
    if (parsed) return parsed;
  }
  return new ProblemError('internal', undefined, { cause: error });
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ProblemError('route-not-found', `${req.method} ${req.path} is not a route of this service`));
};

/** The last middleware: problem+json for every error; 5xx are logged by `onServerError`. */
export function problemHandler(onServerError: (error: unknown, problem: ProblemError) => void): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const problem = toProblem(error);
    if (problem.status >= 500) onServerError(error, problem);
    sendProblem(res, problem, req.originalUrl);
  };
}
