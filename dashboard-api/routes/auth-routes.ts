import { z } from 'zod';
import type { Counter } from 'prom-client';
import type { Api } from '../api-routes.js';
import { EVERYONE, ROLES } from '../auth/users.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-errors.js';

export const LoginBodySchema = z.strictObject({ username: z.string().min(1).max(32), password: z.string().min(1).max(200) }).meta({ id: 'LoginBody' });

export const UserSchema = z
  .object({ username: z.string(), displayName: z.string(), role: z.enum(ROLES), district: z.string().optional() })
  .meta({ id: 'User' });
const LoginResultSchema = z.object({ token: z.string(), expiresAt: z.number().int(), user: UserSchema });

export function authRoutes(api: Api, ctx: ApiContext, logins: Counter<'result'>): void {
  api.route({
    method: 'post',
    path: '/api/auth/login',
    tag: 'auth',
    summary: 'Log in; returns a bearer token (rate-limited per client IP)',
    roles: 'public',
    body: LoginBodySchema,
    response: LoginResultSchema,
    async handler({ body, req }) {
      const user = await ctx.users.authenticate(body.username, body.password);
      logins.inc({ result: user ? 'ok' : 'bad_credentials' });
      ctx.logger.info({ username: body.username, ok: user !== null, ip: req.ip }, 'login');
      if (!user) throw new HttpError(401, 'bad_credentials', 'wrong username or password');
      return { ...(await ctx.tokens.issue(user)), user };
    },
  });
  api.route({
    method: 'get',
    path: '/api/auth/me',
    tag: 'auth',
    summary: 'The logged-in user',
    roles: EVERYONE,
    response: UserSchema,
    handler: ({ user }) => user,
  });
}
