/**
 * Bearer tokens for the order routes: HS256 JWTs (jose) signed with the lab's JWT secret
 * (JWT_SECRET, generated per lab), in the shape contracts/customer-token.ts publishes.
 * `requireBearer` is the express middleware: a missing, malformed, badly signed or expired
 * token is a 401 problem, and so is one without `exp` or `iat`, one that lives longer than
 * MAX_TOKEN_LIFETIME_SECONDS, or one issued longer ago than that: a leaked token is not good for ever.
 */
import type { RequestHandler } from 'express';
import { jwtVerify, errors as joseErrors } from 'jose';
import { encodeSecret, MAX_TOKEN_LIFETIME_SECONDS, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../contracts/customer-token.ts';
import { ProblemError } from './problem.ts';


/** The token's subject, or a 401 ProblemError saying what is wrong with it. */
export async function verifyToken(secret: string, token: string): Promise<{ subject: string }> {
  try {
    const { payload } = await jwtVerify(token, encodeSecret(secret), {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat'],
      maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS,
    });
    if (!payload.sub) throw new ProblemError('unauthorized', 'the token has no subject');
    if (payload.exp! - payload.iat! > MAX_TOKEN_LIFETIME_SECONDS) throw new ProblemError('unauthorized', `the token lives longer than ${MAX_TOKEN_LIFETIME_SECONDS} s`);
    return { subject: payload.sub };
  } catch (error) {
    if (error instanceof ProblemError) throw unauthorized(error.detail ?? 'bad token');
    if (error instanceof joseErrors.JWTExpired) throw unauthorized('the token has expired', 'invalid_token');
    if (error instanceof joseErrors.JWTClaimValidationFailed && (error.claim === 'exp' || error.claim === 'iat')) throw unauthorized(`the token's ${error.claim} is missing or out of bounds`, 'invalid_token');
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
