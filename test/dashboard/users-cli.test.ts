import test from 'ava';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { userStore } from '../../dashboard-api/auth/users.js';
import { hashPassword, PERSON_SCRYPT_PARAMS } from '../../lib/password-hash.js';
import { projectPath } from '../../lib/paths.js';
import { tempSqlite } from '../helpers/database.js';

const run = promisify(execFile);

test('dashboard:users imports a users file into the database (replacing same-named users) and lists them', async (t) => {
  const database = await tempSqlite();
  t.teardown(() => database.close());
  const file = join(database.dir, 'users.json');
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', projectPath('dashboard-api/users-cli.ts'), ...args], {
      cwd: projectPath(),
      env: { ...process.env, DATABASE_URL: database.url },
    });
  const lc = async (password: string) => ({
    username: 'maint-lc',
    displayName: '李沧区维护员',
    role: 'district-maintainer',
    district: 'LC',
    passwordHash: await hashPassword(password, PERSON_SCRYPT_PARAMS),
  });
  writeFileSync(file, JSON.stringify({ version: 1, users: [await lc('first-password')] }));
  t.regex((await cli('import', file)).stdout, /^1 users imported into sqlite:/);
  writeFileSync(file, JSON.stringify({ version: 1, users: [await lc('second-password')] }));
  await cli('import', file);
  const users = userStore(database.db);
  t.is(await users.authenticate('maint-lc', 'first-password'), null);
  t.like(await users.authenticate('maint-lc', 'second-password'), { district: 'LC' });
  t.is((await cli('list')).stdout, 'maint-lc\tdistrict-maintainer\tLC\t李沧区维护员\n');
  writeFileSync(file, '{"version":1,"users":[]}');
  await t.throwsAsync(cli('import', file), { message: /invalid users file/ });
});
