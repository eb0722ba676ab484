/**
 * The customer tokens the order routes accept: signed by the lab's secret, with an expiry, issued
 * at a stated time, living no longer than the maximum and issued no longer ago than it.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { encodeSecret, MAX_TOKEN_LIFETIME_SECONDS, mintToken, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/contracts/customer-token.ts';
import { verifyToken } from '../src/platform/auth.ts';

const SECRET = 'a-lab-secret-of-the-usual-length-0123456789';
const now = Math.floor(Date.now() / 1000);

/** A token with the lab's issuer, audience and subject and the given time claims. */
function token(claims: { iat?: number; exp?: number }): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE);
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(encodeSecret(SECRET));
}

describe('customer tokens', () => {
  it('a minted token is accepted', async () => {
    expect(await verifyToken(SECRET, await mintToken({ secret: SECRET, subject: 'alice' }))).toEqual({ subject: 'alice' });
    expect(await verifyToken(SECRET, await token({ iat: now, exp: now + MAX_TOKEN_LIFETIME_SECONDS }))).toEqual({ subject: 'alice' });
  });

  it('a token without exp, or without iat, is refused', async () => {
    await expect(verifyToken(SECRET, await token({ iat: now }))).rejects.toMatchObject({ status: 401, detail: expect.stringMatching(/exp/) });
    await expect(verifyToken(SECRET, await token({ exp: now + 60 }))).rejects.toMatchObject({ status: 401, detail: expect.stringMatching(/iat/) });
  });

  it('a token that lives longer than the maximum, or was issued longer ago than it, is refused', async () => {
    await expect(verifyToken(SECRET, await token({ iat: now, exp: now + MAX_TOKEN_LIFETIME_SECONDS + 3600 }))).rejects.toMatchObject({ status: 401, detail: expect.stringMatching(/lives longer/) });
    const old = now - MAX_TOKEN_LIFETIME_SECONDS - 3600;
    await expect(verifyToken(SECRET, await token({ iat: old, exp: now + 3600 }))).rejects.toMatchObject({ status: 401 });
  });
});
