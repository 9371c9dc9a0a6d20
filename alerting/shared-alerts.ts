import { z } from 'zod';
import type { Alert, AlertFilter } from '../domain/alerts.js';
import { DISTRICT_CODES } from '../domain/districts.js';
import type { Db } from '../lib/db/database.js';
import { importOnce, insertChunked } from '../lib/db/import-once.js';
import type { Logger } from '../lib/logger.js';
import { listAlerts } from './alert-book.js';
import type { AlertStore, LoadedAlerts, StoredTransition, StoreRecord } from './store.js';

// The current state of every alert in the relational database (table `alerts`), so every dashboard
// node shows the same alerts and a new alerting leader starts where the old one stopped. Only the
// leader writes, and each write carries its fencing token (lib/redis-lease.ts): the database refuses
// a token lower than one that already wrote, so a leader that lost its lease cannot overwrite its
// successor. InfluxDB keeps the history of transitions as before (influx-store.ts).

/** A write of a leader whose fencing token is older than one the database has seen: it is no longer the leader. */
export class FencedError extends Error {
  constructor(token: number, newest: number) {
    super(`alert state write refused: fencing token ${token} is older than ${newest} (another node leads the alerting)`);
    this.name = 'FencedError';
  }
}

const RowRecord = z.looseObject({
  transition: z.looseObject({
    alert: z.looseObject({ key: z.string(), district: z.enum(DISTRICT_CODES), state: z.enum(['firing', 'acknowledged', 'resolved']) }),
    at: z.number(),
  }),
  firedAt: z.number().nullable(),
});

function parseRecords(rows: Array<{ key: string; record: string }>, logger: Logger): StoredTransition[] {
  const out: StoredTransition[] = [];
  let skipped = 0;
  for (const r of rows) {
    try {
      const parsed = RowRecord.safeParse(JSON.parse(r.record));
      if (parsed.success) out.push(parsed.data as unknown as StoredTransition);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  if (skipped > 0) logger.warn({ event: 'alert_rows_skipped', skipped }, 'alert rows that do not parse were skipped');
  return out;
}

/** The newest record of an alert as the book stores it: a transition, or a checkpoint as a same-state transition. */
function storedOf(record: StoreRecord): StoredTransition | null {
  if (record.kind === 'transition') return record.stored;
  if (record.kind === 'snapshot') {
    const a = record.alert;
    return { transition: { alert: a, from: a.state, to: a.state, at: record.at }, firedAt: record.firedAt };
  }
  return null;
}

const rowOf = (s: StoredTransition, fence: number) => {
  const a = s.transition.alert;
  return { key: a.key, district: a.district, state: a.state, resolved_at: a.resolvedAt ?? null, record: JSON.stringify(s), fence, version: 0 };
};

/** Writes rows under a fencing token: the fence row moves up to it, or the write is refused (FencedError). */
/** Stores the newest state of these alerts under `fence`; rejects with FencedError (writing nothing) when a newer token wrote. */
export const writeAlertState = (db: Db, fence: number, stored: readonly StoredTransition[]): Promise<void> =>
  db.transaction().execute((trx) =>
    writeFencedIn(
      trx,
      fence,
      stored.map((s) => rowOf(s, fence)),
    ),
  );

/** The newest state of every alert stored. */
export async function readAlertState(db: Db, logger: Logger): Promise<StoredTransition[]> {
  return parseRecords(await db.selectFrom('alerts').select(['key', 'record']).execute(), logger);
}

async function writeFencedIn(trx: Db, fence: number, unversioned: ReturnType<typeof rowOf>[]): Promise<void> {
  // The fence row's update also serialises writers (a row lock in PostgreSQL, the one writer of SQLite), so
  // the version read next is not taken by another write in between.
  const moved = await trx.updateTable('alerting_fence').set({ token: fence }).where('name', '=', 'alerting').where('token', '<=', fence).executeTakeFirst();
  if (Number(moved.numUpdatedRows) === 0) {
    const newest = await trx.selectFrom('alerting_fence').select('token').where('name', '=', 'alerting').executeTakeFirst();
    throw new FencedError(fence, newest?.token ?? Number.NaN);
  }
  const top = await trx
    .selectFrom('alerts')
    .select((eb) => eb.fn.max('version').as('v'))
    .executeTakeFirst();
  const version = Number(top?.v ?? 0) + 1;
  const rows = unversioned.map((r) => ({ ...r, version }));
  await insertChunked(rows, (chunk) =>
    trx
      .insertInto('alerts')
      .values(chunk)
      .onConflict((c) =>
        c.column('key').doUpdateSet((eb) => ({
          district: eb.ref('excluded.district'),
          state: eb.ref('excluded.state'),
          resolved_at: eb.ref('excluded.resolved_at'),
          record: eb.ref('excluded.record'),
          fence: eb.ref('excluded.fence'),
          version: eb.ref('excluded.version'),
        })),
      )
      .execute(),
  );
}

export interface SharedAlertStore extends AlertStore {
  /** Writes the alert state appended so far; rejects with FencedError when this node no longer leads. */
  flushShared(): Promise<void>;
}

/**
 * The leader's store: everything goes to `history` (InfluxDB) as before, and the newest state of each
 * alert also to the `alerts` table under `fence`; alerts are loaded from the table (imported once
 * from `history` on the first start of a database that has none).
 */
export function sharedAlertStore(o: {
  history: AlertStore;
  db: Db;
  fence: number;
  logger: Logger;
  /** Called once when the database refuses our token. */
  onFenced?: (err: FencedError) => void;
  flushMs?: number;
}): SharedAlertStore {
  const { history, db, fence, logger } = o;
  const pending = new Map<string, StoredTransition>();
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  let fenced: FencedError | null = null;

  function flushShared(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    const run = async (): Promise<void> => {
      if (fenced) throw fenced;
      if (pending.size === 0) return;
      const batch = [...pending.values()];
      pending.clear();
      try {
        await writeAlertState(db, fence, batch);
      } catch (err) {
        if (err instanceof FencedError) {
          fenced = err;
          logger.warn({ event: 'alerting_fenced', fence, err: err.message }, 'alert state write refused: this node no longer leads');
          o.onFenced?.(err);
          throw err;
        }
        // The database is away: keep the newest state of each key for the next attempt.
        for (const s of batch) if (!pending.has(s.transition.alert.key)) pending.set(s.transition.alert.key, s);
        schedule();
        throw err;
      }
    };
    writing = writing.then(run, run);
    return writing;
  }
  function schedule(): void {
    timer ??= setTimeout(() => {
      flushShared().catch((err: unknown) => {
        if (!(err instanceof FencedError)) logger.warn({ event: 'alert_state_retry', err: (err as Error).message }, 'alert state not written yet; retrying');
      });
    }, o.flushMs ?? 50);
  }

  return {
    ...history,
    append(record) {
      history.append(record);
      const s = storedOf(record);
      if (!s) return;
      pending.set(s.transition.alert.key, s);
      schedule();
    },
    async save(record) {
      const s = storedOf(record);
      if (s) {
        pending.set(s.transition.alert.key, s);
        await flushShared();
      }
      await history.save(record);
    },
    async loadAlerts(resolvedSince): Promise<LoadedAlerts> {
      await importOnce(db, { source: 'alerts', origin: 'influxdb', logger }, async (trx) => {
        const old = await history.loadAlerts(0);
        await writeFencedIn(
          trx,
          fence,
          old.latest.map((s) => rowOf(s, fence)),
        );
        return { imported: old.latest.length, skipped: 0 };
      });
      const latest = await readAlertState(db, logger);
      const resolved = latest.map((s) => s.transition.alert).filter((a) => a.state === 'resolved' && (a.resolvedAt ?? 0) >= resolvedSince);
      return { latest, resolved };
    },
    flushShared,
    async flush() {
      await flushShared().catch((err: unknown) => {
        if (!(err instanceof FencedError)) throw err;
      });
      await history.flush();
    },
    async close() {
      await this.flush();
      await history.close();
    },
  };
}

/** A follower's read-only copy of the alerts table: rows written since its last read, every `refreshMs` (and on demand). */
export interface AlertMirror {
  list(filter?: AlertFilter): Alert[];
  get(key: string): Alert | undefined;
  /** Reads what was written since the last read; resolves to the number of rows read. */
  refresh(): Promise<number>;
  close(): void;
}

export async function alertMirror(o: {
  db: Db;
  /** Resolved alerts are shown this long (the rules' resolvedRetentionDays). */
  retentionMs: () => number;
  refreshMs: number;
  logger: Logger;
  clock?: () => number;
}): Promise<AlertMirror> {
  const clock = o.clock ?? Date.now;
  const byKey = new Map<string, Alert>();
  /** The newest version read; -1 before the first read, which takes every open or recently resolved alert. */
  let seen = -1;
  // One read at a time: a slower read merged after a newer one would put older records back.
  let reading: Promise<number> = Promise.resolve(0);
  const refresh = (): Promise<number> => (reading = reading.then(read, read));
  async function read(): Promise<number> {
    const since = clock() - o.retentionMs();
    let query = o.db.selectFrom('alerts').select(['key', 'record', 'version']);
    query = seen < 0 ? query.where((eb) => eb.or([eb('state', '!=', 'resolved'), eb('resolved_at', '>=', since)])) : query.where('version', '>', seen);
    const rows = await query.execute();
    for (const r of rows) seen = Math.max(seen, Number(r.version));
    seen = Math.max(seen, 0);
    for (const s of parseRecords(rows, o.logger)) byKey.set(s.transition.alert.key, s.transition.alert);
    // Resolved alerts leave the view once past the retention, as they leave the leader's.
    for (const [key, a] of byKey) if (a.state === 'resolved' && (a.resolvedAt ?? 0) < since) byKey.delete(key);
    return rows.length;
  }
  await refresh();
  const timer = setInterval(() => {
    refresh().catch((err: unknown) => o.logger.warn({ event: 'alert_mirror_stale', err: (err as Error).message }, 'alert table not re-read'));
  }, o.refreshMs);
  timer.unref();
  return {
    list: (filter) => listAlerts(byKey.values(), filter),
    get: (key) => byKey.get(key),
    refresh,
    close: () => clearInterval(timer),
  };
}
