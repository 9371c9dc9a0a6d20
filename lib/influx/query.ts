import { z } from 'zod';

/** Values bound to $name placeholders: InfluxDB substitutes them, so no value is ever parsed as InfluxQL. */
export type QueryParams = Record<string, string | number | boolean>;
export type Row = Record<string, unknown>;

export class InfluxQueryError extends Error {
  constructor(
    message: string,
    readonly influxql: string,
  ) {
    super(`InfluxQL error: ${message} (query: ${influxql.slice(0, 300)})`);
    this.name = 'InfluxQueryError';
  }
}

const SeriesSchema = z.object({
  name: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  columns: z.array(z.string()),
  values: z.array(z.array(z.unknown())).optional(),
});
const ResponseSchema = z.object({
  error: z.string().optional(),
  results: z.array(z.object({ error: z.string().optional(), series: z.array(SeriesSchema).optional() })).optional(),
});

/** Flattens a /query JSON answer into rows: one object per value row, with its series' tags merged in. */
export function rowsOf(body: unknown, influxql: string): Row[] {
  const parsed = ResponseSchema.safeParse(body);
  if (!parsed.success) throw new InfluxQueryError(`unexpected answer: ${parsed.error.message}`, influxql);
  if (parsed.data.error) throw new InfluxQueryError(parsed.data.error, influxql);
  const rows: Row[] = [];
  for (const result of parsed.data.results ?? []) {
    if (result.error) throw new InfluxQueryError(result.error, influxql);
    for (const series of result.series ?? []) {
      for (const values of series.values ?? []) {
        const row: Row = { ...series.tags };
        series.columns.forEach((column, i) => (row[column] = values[i]));
        rows.push(row);
      }
    }
  }
  return rows;
}

export interface QueryTarget {
  url: string;
  database: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * Runs InfluxQL through /query (1.x, and 2.x's v1-compatible endpoint), with times as epoch ms.
 * POST, because statements like CREATE DATABASE are refused over GET.
 */
export async function influxQuery(target: QueryTarget, influxql: string, params?: QueryParams): Promise<Row[]> {
  const form = new URLSearchParams({ q: influxql, db: target.database, epoch: 'ms' });
  if (params && Object.keys(params).length > 0) form.set('params', JSON.stringify(params));
  const res = await fetch(`${target.url}/query`, { method: 'POST', body: form, headers: target.headers, signal: AbortSignal.timeout(target.timeoutMs) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InfluxQueryError(`HTTP ${res.status}: ${text.slice(0, 200)}`, influxql);
  }
  if (!res.ok) {
    // 1.x answers {"error": ...}; 2.x {"code": ..., "message": ...}.
    const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
    throw new InfluxQueryError(`HTTP ${res.status}: ${String(error ?? message ?? text.slice(0, 200))}`, influxql);
  }
  return rowsOf(body, influxql);
}

/** Quotes an identifier (database, retention policy) for InfluxQL, where identifiers cannot be bound. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `sum("f") AS "f", …`: each field summed under its own name. */
export function sumsOf(fields: readonly string[]): string {
  return fields.map((f) => `sum(${quoteIdent(f)}) AS ${quoteIdent(f)}`).join(', ');
}
