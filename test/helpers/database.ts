import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestFn } from 'ava';
import { openDatabase, type Database } from '../../lib/db/database.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../lib/db/private-postgres.js';
import { createLogger } from '../../lib/logger.js';

const logger = createLogger('test-db', process.env.LOG_LEVEL ?? 'silent');

/** A migrated SQLite database in a fresh temp dir; close() removes the dir too. */
export async function tempSqlite(): Promise<Database & { url: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-sqlite-'));
  const url = `sqlite:${join(dir, 'platform.db')}`;
  const database = await openDatabase(url, logger);
  return {
    ...database,
    url,
    dir,
    async close() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PostgresFixture {
  postgres(): PrivatePostgres;
  /** The URL of a database no other test in this file uses. */
  newDatabaseUrl(): Promise<string>;
}

/** One private PostgreSQL per test file (no fsync: test data), started in a serial before hook and stopped after. */
export function withPostgres(test: TestFn<unknown>): PostgresFixture {
  let instance: PrivatePostgres | undefined;
  let seq = 0;
  test.serial.before(async () => {
    instance = await startPrivatePostgres({ durable: false, logger });
  });
  test.after.always(async () => {
    await instance?.stop();
  });
  const fixture: PostgresFixture = {
    postgres() {
      if (!instance) throw new Error('private postgres not started: call withPostgres(test) at the top of the test file');
      return instance;
    },
    newDatabaseUrl: () => fixture.postgres().createDatabase(`test_${seq++}`),
  };
  return fixture;
}
