import { z } from 'zod';

// Server-side sort and paging shared by the long lists (stations, compliance): the query
// fields with their validation, and applying them to rows already filtered.

export const ORDERS = ['asc', 'desc'] as const;

/** `sort` names one of `columns`; `order` defaults to ascending; `limit` ≤ 1000 rows per page. */
export function pageQueryShape<C extends string>(columns: readonly [C, ...C[]], defaultLimit: number) {
  return {
    sort: z
      .enum(columns)
      .optional()
      .describe(`Column to sort by: ${columns.join(', ')}`),
    order: z.enum(ORDERS).default('asc'),
    limit: z.coerce.number().int().min(1).max(1000).default(defaultLimit),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  };
}

export type SortValue = string | number | boolean | null;

/**
 * Sorts by `key` (rows without a value last in either order; ties keep their registry order)
 * and cuts one page; `total` is the count before paging.
 */
export function sortAndPage<T>(
  rows: readonly T[],
  key: ((row: T) => SortValue) | undefined,
  q: { order: (typeof ORDERS)[number]; offset: number; limit: number },
): { total: number; page: T[] } {
  let sorted = [...rows];
  if (key) {
    const dir = q.order === 'desc' ? -1 : 1;
    const values = new Map(sorted.map((r) => [r, key(r)]));
    sorted = sorted.sort((a, b) => {
      const x = values.get(a)!;
      const y = values.get(b)!;
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
      if (typeof x === 'string' && typeof y === 'string') return dir * x.localeCompare(y, 'zh-CN');
      return dir * (Number(x) - Number(y));
    });
  }
  return { total: rows.length, page: sorted.slice(q.offset, q.offset + q.limit) };
}
