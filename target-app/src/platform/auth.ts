/**
 * Bearer tokens for the order routes: HS256 JWTs (jose) signed with the lab secret
 * (JWT_SECRET). `mintToken` serves `faultline token` and the tests; `requireBearer` is the
 * express middleware: a missing, malformed, badly signed or expired token is a 401 problem.
 */
import type { RequestHandler } from 'express';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { ProblemError } from './problem.ts';

export const TOKEN_ISSUER = 'faultline-lab';
export const TOKEN_AUDIENCE = 'faultline-shop';
/** The lab's default secret: a test fixture, never a real credential (override with JWT_SECRET). */
export const LAB_JWT_SECRET = 'faultline-lab-secret-for-local-tests-only';

const encode = (secret: string) => new TextEncoder().encode(secret);

export async function mintToken(options: { secret: string; subject: string; ttlSeconds?: number; now?: number }): Promise<string> {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  return await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSeconds ?? 3600))
    .sign(encode(options.secret));
}

/** The token's subject, or a 401 ProblemError saying what is wrong with it. */
export async function verifyToken(secret: string, token: string): Promise<{ subject: string }> {
  try {
    const { payload } = await jwtVerify(token, encode(secret), { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'] });
    if (!payload.sub) throw new ProblemError('unauthorized', 'the token has no subject');
    return { subject: payload.sub };
  } catch (error) {
    if (error instanceof ProblemError) throw unauthorized(error.detail ?? 'bad token');
    if (error instanceof joseErrors.JWTExpired) throw unauthorized('the token has expired', 'invalid_token');
    throw unauthorized('the token is not valid', 'invalid_token');
  }
}

function unauthorized(detail: string, error?: string): ProblemError {
  const challenge = error ? `Bearer realm="faultline", error="${error}"` : 'Bearer realm="faultline"';
  return new ProblemError('unauthorized', detail, { headers: { 'WWW-Authenticate': challenge } });
}

/** Requires `Authorization: Bearer <jwt>`; sets res.locals.subject. */
export function requireBearer(secret: () => string): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header) : null;
    if (!match) {
      next(unauthorized(header ? 'the Authorization header is not a Bearer token' : 'no Authorization header'));
      return;
    }
    try {
      res.locals.subject = (await verifyToken(secret(), match[1]!)).subject;
      next();
    } catch (error) {
      next(error);
    }
  };
}
