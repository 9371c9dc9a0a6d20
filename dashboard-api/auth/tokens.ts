import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { User, UserStore } from './users.js';

const ISSUER = 'qdyz-dashboard';

export interface TokenService {
  issue(user: User): Promise<{ token: string; expiresAt: number }>;
  /** The current user behind a token, or null (bad signature, expired, user removed). */
  verify(token: string): Promise<User | null>;
  /** The same, with the token's expiry (epoch ms), for connections that outlive a request. */
  session(token: string): Promise<{ user: User; expiresAt: number } | null>;
}

/** HS256 JWTs carrying only the username: role and district are read from the database on every request. */
export function tokenService(users: UserStore, secret: string | undefined, ttlS: number): TokenService {
  const key = secret ? new TextEncoder().encode(secret) : randomBytes(32);
  return {
    async issue(user) {
      const expiresAt = Math.floor(Date.now() / 1000) + ttlS;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user.username)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(expiresAt)
        .sign(key);
      return { token, expiresAt: expiresAt * 1000 };
    },
    async session(token) {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'] });
        const user = typeof payload.sub === 'string' ? await users.get(payload.sub) : undefined;
        return user && payload.exp ? { user, expiresAt: payload.exp * 1000 } : null;
      } catch {
        return null;
      }
    },
    async verify(token) {
      return (await this.session(token))?.user ?? null;
    },
  };
}
