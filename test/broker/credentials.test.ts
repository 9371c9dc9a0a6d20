import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { createAccountStore, ensureDevCredentials, loadAccountsFile, type AccountsFile } from '../../broker/credentials.js';
import { indexRegistry } from '../../domain/registry.js';
import { loadDevCredentials } from '../../lib/dev-credentials.js';
import { JsonFileError } from '../../lib/json-file.js';
import { generatePassword, hashPassword, TOKEN_SCRYPT_PARAMS, verifyPassword } from '../../lib/password-hash.js';
import { loadRegistryFile } from '../../lib/registry-file.js';

const registry = loadRegistryFile();
const firstStations = (n: number) => indexRegistry(registry.stations.slice(0, n));

function tempPaths(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-cred-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, accountsFile: join(dir, 'broker-accounts.json'), devCredentialsFile: join(dir, 'dev-credentials.json') };
}

test('ensureDevCredentials creates accounts for every station and service, hashes only in the accounts file', async (t) => {
  const paths = tempPaths(t);
  const small = firstStations(3);
  const { credentials, accounts, generated } = await ensureDevCredentials(small, paths);
  const ids = small.stations.map((s) => s.id);
  t.deepEqual(generated.sort(), [...ids, 'svc-alerting', 'svc-dashboard', 'svc-ingest'].sort());
  t.is(accounts.size, 6);

  const onDisk = loadAccountsFile(paths.accountsFile);
  const raw = readFileSync(paths.accountsFile, 'utf8');
  for (const [username, password] of Object.entries(credentials)) {
    t.false(raw.includes(password), `no plaintext of ${username} in the accounts file`);
    t.true(await verifyPassword(password, onDisk.accounts[username]!.hash));
  }
  t.is(onDisk.accounts[ids[0]!]!.role, 'station');
  t.is(onDisk.accounts['svc-ingest']!.role, 'service');
  t.deepEqual(loadDevCredentials(paths.devCredentialsFile), credentials);
  t.is(statSync(paths.devCredentialsFile).mode & 0o077, 0, 'dev credentials readable by the owner only');

  const ok = await accounts.verify(ids[0]!, credentials[ids[0]!]!);
  t.deepEqual(ok, { ok: true, principal: { role: 'station', username: ids[0]! } });
  t.deepEqual(await accounts.verify(ids[0]!, credentials[ids[1]!]!), { ok: false, reason: 'bad_password' });
  t.deepEqual(await accounts.verify('SN-9999', 'whatever-password-123'), { ok: false, reason: 'unknown_user' });
  t.deepEqual(await accounts.verify('svc-alerting', credentials['svc-alerting']!), { ok: true, principal: { role: 'service', username: 'svc-alerting' } });
});

test('ensureDevCredentials keeps what works, adds stations added to the registry later, and repairs a stale password', async (t) => {
  const paths = tempPaths(t);
  const first = await ensureDevCredentials(firstStations(2), paths);
  const again = await ensureDevCredentials(firstStations(2), paths);
  t.deepEqual(again.generated, []);
  t.deepEqual(again.credentials, first.credentials);

  const grown = await ensureDevCredentials(firstStations(4), paths);
  t.deepEqual(
    grown.generated,
    registry.stations.slice(2, 4).map((s) => s.id),
  );
  t.is(grown.credentials['svc-ingest'], first.credentials['svc-ingest']);

  // Someone rotated an account with the CLI: the dev password no longer matches, so it is replaced.
  const file = loadAccountsFile(paths.accountsFile);
  const id = registry.stations[0]!.id;
  file.accounts[id]!.hash = await hashPassword('rotated-elsewhere-0000', TOKEN_SCRYPT_PARAMS);
  writeFileSync(paths.accountsFile, JSON.stringify(file));
  const repaired = await ensureDevCredentials(firstStations(4), paths);
  t.deepEqual(repaired.generated, [id]);
  t.true((await repaired.accounts.verify(id, repaired.credentials[id]!)).ok);
});

test('credential files are validated and the error names the file and the field', async (t) => {
  const paths = tempPaths(t);
  writeFileSync(
    paths.accountsFile,
    JSON.stringify({
      version: 1,
      accounts: { 'SN-0001': { role: 'service', hash: 'md5:abc', updatedAt: '2024-01-01T00:00:00Z' }, bob: { role: 'station', hash: 'x', updatedAt: 'x' } },
    }),
  );
  const err = t.throws(() => loadAccountsFile(paths.accountsFile), { instanceOf: JsonFileError });
  t.true(err.message.includes(paths.accountsFile));
  t.true(
    err.problems.some((p) => p.startsWith('field accounts.SN-0001.hash:')),
    err.message,
  );
  t.true(
    err.problems.some((p) => p.startsWith('field accounts.bob')),
    err.message,
  );

  writeFileSync(paths.devCredentialsFile, JSON.stringify({ 'SN-0001': 'short' }));
  const devErr = t.throws(() => loadDevCredentials(paths.devCredentialsFile), { instanceOf: JsonFileError });
  t.regex(devErr.message, /dev-credentials\.json[\s\S]*field SN-0001: password shorter than 16/);

  writeFileSync(paths.devCredentialsFile, '{ not json');
  t.throws(() => loadDevCredentials(paths.devCredentialsFile), { instanceOf: JsonFileError, message: /dev-credentials\.json/ });
  await t.throwsAsync(ensureDevCredentials(firstStations(1), paths), { instanceOf: JsonFileError });
});

test('the verification cache never accepts a wrong password and is dropped for rotated accounts', async (t) => {
  const password = generatePassword();
  const file: AccountsFile = {
    version: 1,
    accounts: { 'SN-0001': { role: 'station', hash: await hashPassword(password, TOKEN_SCRYPT_PARAMS), updatedAt: new Date().toISOString() } },
  };
  const store = createAccountStore(file);
  t.true((await store.verify('SN-0001', password)).ok);
  t.true((await store.verify('SN-0001', Buffer.from(password))).ok, 'cached, and aedes passes a Buffer');
  t.false((await store.verify('SN-0001', `${password}!`)).ok);

  const rotated = generatePassword();
  store.replace({
    version: 1,
    accounts: { 'SN-0001': { role: 'station', hash: await hashPassword(rotated, TOKEN_SCRYPT_PARAMS), updatedAt: new Date().toISOString() } },
  });
  t.false((await store.verify('SN-0001', password)).ok, 'the old password no longer works after rotation');
  t.true((await store.verify('SN-0001', rotated)).ok);
});
