import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { isServiceAccount, MqttUsernameSchema, SERVICE_ACCOUNTS } from '../domain/accounts.js';
import type { Registry } from '../domain/registry.js';
import { loadDevCredentials, type DevCredentials } from '../lib/dev-credentials.js';
import { readJsonFile, writeJsonFileAtomic } from '../lib/json-file.js';
import type { Logger } from '../lib/logger.js';
import { generatePassword, hashPassword, passwordHashProblem, TOKEN_SCRYPT_PARAMS, verifyPassword } from '../lib/password-hash.js';
import { projectPath } from '../lib/paths.js';
import type { Principal } from './acl.js';

export const DEFAULT_ACCOUNTS_FILE = projectPath('var/broker-accounts.json');

/** var/broker-accounts.json: what the broker knows about each account. Hashes only, never a password. */
export const AccountsFileSchema = z
  .strictObject({
    version: z.literal(1),
    accounts: z.record(
      MqttUsernameSchema,
      z.strictObject({
        role: z.enum(['station', 'service']),
        hash: z.string().superRefine((hash, ctx) => {
          const problem = passwordHashProblem(hash);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
        updatedAt: z.iso.datetime(),
      }),
    ),
  })
  .superRefine((file, ctx) => {
    for (const [username, account] of Object.entries(file.accounts)) {
      const role = isServiceAccount(username) ? 'service' : 'station';
      if (account.role !== role) ctx.addIssue({ code: 'custom', path: ['accounts', username, 'role'], message: `${username} must have role "${role}"` });
    }
  });
export type AccountsFile = z.infer<typeof AccountsFileSchema>;

export const loadAccountsFile = (file: string): AccountsFile => readJsonFile(file, AccountsFileSchema);

export const writeAccountsFile = (file: string, accounts: AccountsFile): void => writeJsonFileAtomic(file, AccountsFileSchema.parse(accounts), { mode: 0o600 });

export type VerifyResult = { ok: true; principal: Principal } | { ok: false; reason: 'unknown_user' | 'bad_password' };

export interface AccountStore {
  verify(username: string, password: string | Buffer): Promise<VerifyResult>;
  has(username: string): boolean;
  readonly size: number;
  /** Swap in a re-read accounts file (credential rotation without a restart); cached verifications of changed accounts are dropped. */
  replace(file: AccountsFile): void;
}

const principalOf = (username: string): Principal => (isServiceAccount(username) ? { role: 'service', username } : { role: 'station', username });

/**
 * Verifies against scrypt hashes, remembering the last successful password per account as an HMAC under a
 * per-process random key: a reconnecting device costs one HMAC instead of one scrypt, and the cache holds at
 * most one entry per account. Failed attempts are never cached, so a wrong password always pays for scrypt.
 */
export function createAccountStore(initial: AccountsFile): AccountStore {
  let accounts = new Map(Object.entries(initial.accounts));
  const cacheKey = randomBytes(32);
  const verified = new Map<string, Buffer>();
  const fingerprint = (password: string | Buffer) => createHmac('sha256', cacheKey).update(password).digest();

  return {
    async verify(username, password) {
      const account = accounts.get(username);
      // Answering at once tells a caller the name does not exist; usernames are station ids, public in the registry anyway.
      if (!account) return { ok: false, reason: 'unknown_user' };
      const presented = fingerprint(password);
      const known = verified.get(username);
      if (known && timingSafeEqual(known, presented)) return { ok: true, principal: principalOf(username) };
      if (!(await verifyPassword(password, account.hash))) return { ok: false, reason: 'bad_password' };
      // The file may have been replaced while scrypt ran: only cache against the hash that was checked.
      if (accounts.get(username) === account) verified.set(username, presented);
      return { ok: true, principal: principalOf(username) };
    },
    has: (username) => accounts.has(username),
    get size() {
      return accounts.size;
    },
    replace(file) {
      const next = new Map(Object.entries(file.accounts));
      for (const username of verified.keys()) {
        if (next.get(username)?.hash !== accounts.get(username)?.hash) verified.delete(username);
      }
      accounts = next;
    },
  };
}

export const openAccountStore = (file: string = DEFAULT_ACCOUNTS_FILE): AccountStore => createAccountStore(loadAccountsFile(file));

/** Every account the platform needs: one per registry station plus the service accounts. */
export const requiredUsernames = (registry: Registry): string[] => [...registry.stations.map((s) => s.id), ...SERVICE_ACCOUNTS];

export async function newAccount(username: string): Promise<{ password: string; account: AccountsFile['accounts'][string] }> {
  const password = generatePassword();
  return {
    password,
    account: { role: principalOf(username).role, hash: await hashPassword(password, TOKEN_SCRYPT_PARAMS), updatedAt: new Date().toISOString() },
  };
}

export interface CredentialPaths {
  accountsFile: string;
  devCredentialsFile: string;
}

/**
 * Development set-up: makes sure every registry station and service has an account whose password is in the dev
 * credentials file, generating what is missing (also for stations added to the registry later) or no longer
 * matches its hash. Checking the existing dev passwords also warms the store's cache.
 */
/** Fingerprint of the accounts and dev credentials files together, kept beside the dev file once every password was verified. */
const stampFile = (paths: CredentialPaths) => `${paths.devCredentialsFile}.verified`;
const stampOf = (paths: CredentialPaths) =>
  createHash('sha256').update(readFileSync(paths.accountsFile)).update('\0').update(readFileSync(paths.devCredentialsFile)).digest('hex');
const readStamp = (paths: CredentialPaths) => (existsSync(stampFile(paths)) ? readFileSync(stampFile(paths), 'utf8').trim() : null);
const writeStamp = (paths: CredentialPaths) => writeFileSync(stampFile(paths), `${stampOf(paths)}\n`, { mode: 0o600 });

export async function ensureDevCredentials(
  registry: Registry,
  paths: CredentialPaths,
  logger?: Logger,
): Promise<{ credentials: DevCredentials; accounts: AccountStore; generated: string[] }> {
  const credentials: DevCredentials = existsSync(paths.devCredentialsFile) ? loadDevCredentials(paths.devCredentialsFile) : {};
  const file: AccountsFile = existsSync(paths.accountsFile) ? loadAccountsFile(paths.accountsFile) : { version: 1, accounts: {} };
  const store = createAccountStore(file);

  const usernames = requiredUsernames(registry);
  // One scrypt per account is seconds with thousands of stations; skip them when both files are exactly as last verified.
  const unchanged = existsSync(paths.accountsFile) && existsSync(paths.devCredentialsFile) && readStamp(paths) === stampOf(paths);
  const checks = await Promise.all(
    usernames.map(async (username) => {
      const password = credentials[username];
      if (password === undefined || !file.accounts[username]) return username;
      return unchanged || (await store.verify(username, password)).ok ? null : username;
    }),
  );
  const generated = checks.filter((u): u is string => u !== null);
  if (generated.length === 0) {
    if (!unchanged) writeStamp(paths);
    return { credentials, accounts: store, generated };
  }

  for (const [username, { password, account }] of await Promise.all(generated.map(async (u) => [u, await newAccount(u)] as const))) {
    credentials[username] = password;
    file.accounts[username] = account;
  }
  writeAccountsFile(paths.accountsFile, file);
  writeJsonFileAtomic(paths.devCredentialsFile, credentials, { mode: 0o600 });
  writeStamp(paths);
  logger?.info(
    { event: 'dev_credentials_generated', count: generated.length, accountsFile: paths.accountsFile, devCredentialsFile: paths.devCredentialsFile },
    'generated development credentials',
  );
  store.replace(file);
  return { credentials, accounts: store, generated };
}
