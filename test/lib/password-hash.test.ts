import { randomBytes, scryptSync } from 'node:crypto';
import test from 'ava';
import { parseUsersFile } from '../../dashboard-api/auth/users.js';
import { generatePassword, hashPassword, passwordHashProblem, PERSON_SCRYPT_PARAMS, TOKEN_SCRYPT_PARAMS, verifyPassword } from '../../lib/password-hash.js';

// One hash format for broker accounts and dashboard users (lib/password-hash.ts).

test('scrypt hashes carry their parameters and salt, and verify only the right password', async (t) => {
  const password = generatePassword();
  t.regex(password, /^[A-Za-z0-9_-]{32}$/);
  const [a, b] = await Promise.all([hashPassword(password, TOKEN_SCRYPT_PARAMS), hashPassword(password, TOKEN_SCRYPT_PARAMS)]);
  t.true(a.startsWith(`scrypt$${TOKEN_SCRYPT_PARAMS.N}$${TOKEN_SCRYPT_PARAMS.r}$${TOKEN_SCRYPT_PARAMS.p}$`));
  t.not(a, b, 'salted');
  t.true(await verifyPassword(password, a));
  t.false(await verifyPassword(`${password}x`, a));
  t.false(await verifyPassword('', a));
  // Parameters are read from the string: a hash made with other parameters still verifies.
  t.true(await verifyPassword(password, await hashPassword(password, { N: 256, r: 4, p: 1 })));
});

test('unusable hash strings are named, including parameters that would cost too much memory', (t) => {
  t.is(passwordHashProblem('plain'), 'expected scrypt$N$r$p$salt$hash');
  t.regex(passwordHashProblem('scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') ?? '', /power of two/);
  t.regex(passwordHashProblem('scrypt$1048576$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') ?? '', /more than/);
  t.is(passwordHashProblem('scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), null);
});

test('dashboard users get the same format at the interactive cost, and hashes written before (standard base64) still verify', async (t) => {
  const hash = await hashPassword('correct horse battery', PERSON_SCRYPT_PARAMS);
  t.regex(hash, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  t.true(await verifyPassword('correct horse battery', hash));
  // What dashboard-api/auth/users.ts wrote before there was one format: salt and key in standard base64.
  let salt = randomBytes(16);
  while (!/[+/]/.test(salt.toString('base64'))) salt = randomBytes(16);
  const key = scryptSync('old password 1', salt, 32, { N: 16384, r: 8, p: 1 });
  const legacy = `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
  t.is(passwordHashProblem(legacy), null);
  t.true(await verifyPassword('old password 1', legacy));
  t.false(await verifyPassword('old password 2', legacy));
  // A users file holding such a hash still loads, with the same checks as the broker's accounts file.
  const users = { version: 1, users: [{ username: 'admin', displayName: 'Admin', role: 'city-admin', passwordHash: legacy }] };
  t.notThrows(() => parseUsersFile(users, 'users.json'));
  t.throws(
    () =>
      parseUsersFile(
        { ...users, users: [{ ...users.users[0], passwordHash: 'scrypt$1048576$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }] },
        'users.json',
      ),
    {
      message: /more than/,
    },
  );
});
