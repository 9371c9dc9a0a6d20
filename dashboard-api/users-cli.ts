// Dashboard users in the database: `npm run dashboard:users -- import <users.json>` adds the users of a
// users file (format: config/users.example.json) or replaces those of the same name (role, district,
// password hash); `npm run dashboard:users -- list` prints them. Uses DATABASE_URL like the services.
import { Command } from 'commander';
import { readConfig, SHARED_ENV } from '../lib/config.js';
import { openDatabase } from '../lib/db/database.js';
import { createLogger } from '../lib/logger.js';
import { z } from 'zod';
import { parseUsersFile, upsertUsers } from './auth/users.js';
import { readJson } from '../lib/json-file.js';

const config = readConfig(z.object({ DATABASE_URL: SHARED_ENV.DATABASE_URL }));
const logger = createLogger('dashboard-users', process.env.LOG_LEVEL ?? 'warn');

async function withDb<T>(work: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> {
  const database = await openDatabase(config.DATABASE_URL, logger);
  try {
    return await work(database.db);
  } finally {
    await database.close();
  }
}

const program = new Command('dashboard:users').description('Dashboard users in the database (DATABASE_URL)');
program
  .command('import <file>')
  .description('add the users of a users file, or replace those of the same name')
  .action(async (file: string) => {
    const users = parseUsersFile(readJson(file), file);
    await withDb((db) => upsertUsers(db, users, Date.now()));
    process.stdout.write(`${users.length} users imported into ${config.DATABASE_URL.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}\n`);
  });
program
  .command('list')
  .description('print username, role, district and display name')
  .action(async () => {
    const rows = await withDb((db) => db.selectFrom('users').select(['username', 'role', 'district', 'display_name']).orderBy('username').execute());
    for (const r of rows) process.stdout.write(`${r.username}\t${r.role}\t${r.district ?? '-'}\t${r.display_name}\n`);
  });
await program.parseAsync();
