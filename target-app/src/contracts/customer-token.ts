/**
 * The customer tokens the gateway's order routes accept, published so that whoever holds the
 * lab's JWT secret (`make token`, tests) mints tokens the gateway verifies: HS256 JWTs with this
 * issuer and audience, the customer id as subject.
 */
import { SignJWT } from 'jose';

export const TOKEN_ISSUER = 'faultline-lab';
export const TOKEN_AUDIENCE = 'faultline-shop';

/** The longest a token may live (exp - iat), and the oldest one the gateway accepts (now - iat). */
export const MAX_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

export const encodeSecret = (secret: string): Uint8Array => new TextEncoder().encode(secret);

export async function mintToken(options: { secret: string; subject: string; ttlSeconds?: number; now?: number }): Promise<string> {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  return await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSeconds ?? 3600))
    .sign(encodeSecret(options.secret));
}
