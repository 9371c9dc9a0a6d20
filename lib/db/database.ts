import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { projectPath } from '../paths.js';
import { migrations } from './migrations/index.js';
import type { DbDialect, Tables } from './schema.js';

// The platform's shared relational state: embedded SQLite by default (one process or one machine,
// nothing to install) and PostgreSQL when several nodes share it. One Kysely query layer over both;
// migrations run at open.

export type Db = Kysely<Tables>;

export interface Database {
  db: Db;
  dialect: DbDialect;
  /** The URL without its password, for logs. */
  where: string;
  close(): Promise<void>;
}

export type DatabaseTarget = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string };

/** `sqlite:<path>` (relative to the project root), `sqlite::memory:`, or `postgres://…` / `postgresql://…`. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (!file) throw new Error('DATABASE_URL sqlite: needs a file, e.g. sqlite:var/platform.db');
    return { dialect: 'sqlite', file: file === ':memory:' ? file : projectPath(file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', url };
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${redact(url)})`);
}

const redact = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

// int8 (bigint: every epoch-ms column) arrives from node-postgres as a string; epoch ms fit a double.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')),
};

export async function openDatabase(url: string, logger: Logger): Promise<Database> {
  const target = parseDatabaseUrl(url);
  const where = target.dialect === 'sqlite' ? `sqlite:${target.file}` : redact(target.url);
  let db: Db;
  if (target.dialect === 'sqlite') {
    if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
    const sqlite = new SQLite(target.file);
    // WAL lets the dashboard read while a write commits; FULL syncs every commit, as the audit log
    // did with its fsync per line; another process on the same file waits instead of failing.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
  } else {
    const pool = new pg.Pool({ connectionString: target.url, max: 10, types: pgTypes });
    // An idle connection the server ends (restart, fail-over) is dropped from the pool and replaced
    // on next use; without a listener the error would end the process.
    pool.on('error', (err) =>
      logger.warn({ event: 'database_connection_lost', database: where, err: err.message }, 'idle database connection closed by the server'),
    );
    db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  }
  try {
    await migrate(db, target.dialect, logger);
  } catch (e) {
    await db.destroy();
    throw new Error(`database ${where}: ${(e as Error).message}`, { cause: e });
  }
  logger.info({ event: 'database_open', database: where, dialect: target.dialect }, 'database ready');
  return { db, dialect: target.dialect, where, close: () => db.destroy() };
}

/** Applies every migration the database has not seen yet; nodes starting together wait on the Migrator's lock. */
export async function migrate(db: Db, dialect: DbDialect, logger: Logger): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations(dialect) } });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const r of results) {
    if (r.status === 'Success') logger.info({ event: 'migration_applied', migration: r.migrationName }, `migration ${r.migrationName} applied`);
    else if (r.status === 'Error') logger.error({ event: 'migration_failed', migration: r.migrationName }, `migration ${r.migrationName} failed`);
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
