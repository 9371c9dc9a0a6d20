import type { Logger } from '../logger.js';
import type { Db } from './database.js';

export interface ImportCounts {
  imported: number;
  /** Entries of the old store that did not validate (logged once, summarised). */
  skipped: number;
}

/**
 * Runs `load` once per `source` for the life of the database: the ledger row is claimed first in the
 * same transaction, so a re-run, or a second node starting at the same moment, finds it taken and
 * imports nothing. Returns null when the source was imported before.
 */
export async function importOnce(
  db: Db,
  o: { source: string; origin: string; logger: Logger; now?: () => number },
  load: (trx: Db) => Promise<ImportCounts>,
): Promise<ImportCounts | null> {
  const counts = await db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('imports')
      .values({ source: o.source, origin: o.origin, imported: 0, skipped: 0, at: (o.now ?? Date.now)() })
      .onConflict((c) => c.column('source').doNothing())
      .executeTakeFirst();
    if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) return null;
    const done = await load(trx);
    await trx.updateTable('imports').set(done).where('source', '=', o.source).execute();
    return done;
  });
  if (counts) {
    const log = counts.skipped > 0 ? o.logger.warn.bind(o.logger) : o.logger.info.bind(o.logger);
    log(
      { event: 'db_import', source: o.source, origin: o.origin, ...counts },
      `imported ${counts.imported} ${o.source} from ${o.origin}${counts.skipped ? ` (${counts.skipped} invalid entries skipped)` : ''}`,
    );
  }
  return counts;
}

/** Inserts in chunks (SQLite caps the bound parameters of one statement). */
export async function insertChunked<T>(rows: readonly T[], insert: (chunk: T[]) => Promise<unknown>, size = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}
