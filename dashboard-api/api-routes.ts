import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { ErrorBodySchema, forbidden, HttpError, parseOr400 } from './http-errors.js';
import type { Role, User } from './auth/users.js';

// One declaration per route: its zod schemas validate the request and, through
// z.toJSONSchema, become the OpenAPI document, so the docs cannot drift from the checks.

type AnyObject = z.ZodObject;

export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  /** Undefined only on public routes. */
  user: User;
  params: P;
  query: Q;
  body: B;
}

export interface RouteSpec<PS extends AnyObject, QS extends AnyObject, BS extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express path (`/api/stations/:id`); rendered as `{id}` in OpenAPI. */
  path: string;
  tag: string;
  summary: string;
  /** Roles allowed; 'public' needs no login. */
  roles: readonly Role[] | 'public';
  params?: PS;
  query?: QS;
  body?: BS;
  /** Documented 200 body (JSON), or other media types the route can produce. */
  response?: z.ZodType;
  produces?: string[];
  /** Returns the JSON body, or undefined after answering through `res` itself. */
  handler: (ctx: RouteContext<z.infer<PS>, z.infer<QS>, z.infer<BS>>) => unknown;
}

const empty = z.object({});

export interface Api {
  route<PS extends AnyObject = typeof empty, QS extends AnyObject = typeof empty, BS extends z.ZodType = z.ZodUndefined>(spec: RouteSpec<PS, QS, BS>): void;
  openapi(info: { title: string; version: string }): Record<string, unknown>;
}

/** `authenticate` reads the user from the request (or throws 401). */
export function createApi(router: Router, authenticate: (req: Request) => Promise<User>): Api {
  const specs: Array<RouteSpec<AnyObject, AnyObject, z.ZodType>> = [];
  return {
    route(spec) {
      specs.push(spec as unknown as RouteSpec<AnyObject, AnyObject, z.ZodType>);
      router[spec.method](spec.path, async (req, res) => {
        const user = spec.roles === 'public' ? (undefined as unknown as User) : await authenticate(req);
        if (spec.roles !== 'public' && !spec.roles.includes(user.role)) throw forbidden(`role ${user.role} may not ${spec.method.toUpperCase()} ${spec.path}`);
        const params = parseOr400(spec.params ?? empty, req.params, 'params');
        const query = parseOr400(spec.query ?? empty.strict(), req.query, 'query');
        const body = spec.body ? parseOr400(spec.body, req.body, 'body') : undefined;
        const out = await spec.handler({ req, res, user, params, query, body } as RouteContext<never, never, never>);
        if (out !== undefined && !res.headersSent) res.json(out);
        else if (!res.headersSent) throw new HttpError(500, 'internal', 'route produced no answer');
      });
    },
    openapi(info) {
      return buildOpenApi(specs, info);
    },
  };
}

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;

function parameters(schema: AnyObject | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    description: s.description,
    schema: s,
  }));
}

function buildOpenApi(specs: Array<RouteSpec<AnyObject, AnyObject, z.ZodType>>, info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { description: 'Error', content: { 'application/json': { schema: toSchema(ErrorBodySchema, 'output') } } };
  for (const s of specs) {
    const path = s.path.replace(/:(\w+)/g, '{$1}');
    const content: Record<string, unknown> = {};
    if (s.response) content['application/json'] = { schema: toSchema(s.response, 'output') };
    for (const type of s.produces ?? []) content[type] = {};
    paths[path] ??= {};
    paths[path][s.method] = {
      tags: [s.tag],
      summary: s.summary,
      description: s.roles === 'public' ? 'No login needed.' : `Roles: ${s.roles.join(', ')}.`,
      ...(s.roles === 'public' ? {} : { security: [{ bearer: [] }] }),
      parameters: [...parameters(s.params, 'path'), ...parameters(s.query, 'query')],
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(s.body, 'input') } } } } : {}),
      responses: { 200: { description: 'OK', content }, 400: error, 401: error, 403: error, 404: error },
    };
  }
  return {
    openapi: '3.0.3',
    info,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
