import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { z } from 'zod';

/** Every error leaves the API as `{ error: { status, code, message, issues? } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Array<{ path: string; message: string }>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const ErrorBodySchema = z
  .object({
    error: z.object({
      status: z.number().int(),
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} not found`);
export const forbidden = (message: string): HttpError => new HttpError(403, 'forbidden', message);

/** Parses `input` with `schema`; a failure is a 400 naming every bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, where: 'query' | 'body' | 'params'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  throw new HttpError(400, 'invalid_request', `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

export const unknownRoute: RequestHandler = (req, _res, next) => next(new HttpError(404, 'no_route', `no route ${req.method} ${req.path}`));

/** The last middleware: known errors keep their status; body-parser errors become 400/413; the rest are 500 and logged. */
export function errorHandler(logger: Logger, rejected: Counter<'reason'>): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (isAlertingError(err)) e = new HttpError(ALERTING_STATUS[err.code], err.code, err.message);
    else if (isHttpish(err) && err.status >= 400 && err.status < 500) e = new HttpError(err.status, err.type ?? 'bad_request', err.message);
    else {
      logger.error({ err, method: req.method, path: req.path }, 'request failed');
      e = new HttpError(500, 'internal', 'internal error');
    }
    if (e.status < 500) {
      rejected.inc({ reason: e.code });
      logger.info({ method: req.method, path: req.path, status: e.status, code: e.code, message: e.message }, 'request rejected');
    }
    res.status(e.status).json({ error: { status: e.status, code: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}) } });
  };
}

// AlertingError (domain/alerts.ts) is matched by shape so any AlertingPort implementation can raise it.
const ALERTING_STATUS = { not_found: 404, conflict: 409, invalid: 400, unavailable: 503 } as const;
function isAlertingError(err: unknown): err is { code: keyof typeof ALERTING_STATUS; message: string } {
  return err instanceof Error && err.name === 'AlertingError' && Object.hasOwn(ALERTING_STATUS, (err as { code?: string }).code ?? '');
}

function isHttpish(err: unknown): err is { status: number; message: string; type?: string } {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}
