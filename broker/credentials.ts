import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Registry } from '../domain/registry.js';
import { STATION_ID_PATTERN } from '../domain/station.js';
import type { Logger } from '../lib/logger.js';
import { SHARED_ENV } from '../lib/config.js';
import { projectPath } from '../lib/paths.js';
import { SERVICE_ACCOUNTS, isServiceAccount, type Principal } from './acl.js';
import { generatePassword, hashPassword, passwordHashProblem, verifyPassword } from './password-hash.js';

export const DEFAULT_ACCOUNTS_FILE = projectPath('var/broker-accounts.json');
export const DEFAULT_DEV_CREDENTIALS_FILE = projectPath(SHARED_ENV.DEV_CREDENTIALS_FILE.parse(undefined));

const UsernameSchema = z.string().refine((u) => STATION_ID_PATTERN.test(u) || isServiceAccount(u), {
  message: `expected a station id like SN-0001 or one of ${SERVICE_ACCOUNTS.join(', ')}`,
});

const AccountSchema = z.strictObject({
  role: z.enum(['station', 'service']),
  hash: z.string().superRefine((hash, ctx) => {
    const problem = passwordHashProblem(hash);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  updatedAt: z.iso.datetime(),
});

/** var/broker-accounts.json: what the broker knows about each account. Hashes only, never a password. */
export const AccountsFileSchema = z
  .strictObject({ version: z.literal(1), accounts: z.record(UsernameSchema, AccountSchema) })
  .superRefine((file, ctx) => {
    for (const [username, account] of Object.entries(file.accounts)) {
      const role = isServiceAccount(username) ? 'service' : 'station';
      if (account.role !== role) ctx.addIssue({ code: 'custom', path: ['accounts', username, 'role'], message: `${username} must have role "${role}"` });
    }
  });
export type AccountsFile = z.infer<typeof AccountsFileSchema>;

/** var/dev-credentials.json (development only, gitignored): username → plaintext password, for the simulator and services. */
export const DevCredentialsSchema = z.record(UsernameSchema, z.string().min(16, 'password shorter than 16 characters'));
export type DevCredentials = z.infer<typeof DevCredentialsSchema>;

export class CredentialsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid credentials file ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'CredentialsFileError';
  }
}

function readJsonFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CredentialsFileError(file, [(e as Error).message]);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new CredentialsFileError(
      file,
      parsed.error.issues.map((i) => `field ${i.path.map(String).join('.') || '(file)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

export const loadAccountsFile = (file: string): AccountsFile => readJsonFile(file, AccountsFileSchema);
export const loadDevCredentials = (file: string = DEFAULT_DEV_CREDENTIALS_FILE): DevCredentials => readJsonFile(file, DevCredentialsSchema);

/** Write to a temp file and rename, so a crash never leaves half a credentials file behind. */
function writeJsonAtomic(file: string, value: unknown, mode: number): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  renameSync(tmp, file);
}

export const writeAccountsFile = (file: string, accounts: AccountsFile): void => writeJsonAtomic(file, AccountsFileSchema.parse(accounts), 0o600);

export type VerifyResult = { ok: true; principal: Principal } | { ok: false; reason: 'unknown_user' | 'bad_password' };

export interface AccountStore {
  verify(username: string, password: string | Buffer): Promise<VerifyResult>;
  has(username: string): boolean;
  readonly size: number;
  /** Swap in a re-read accounts file (credential rotation without a restart); cached verifications of changed accounts are dropped. */
  replace(file: AccountsFile): void;
}

const principalOf = (username: string): Principal =>
  isServiceAccount(username) ? { role: 'service', username } : { role: 'station', username };

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
  return { password, account: { role: principalOf(username).role, hash: await hashPassword(password), updatedAt: new Date().toISOString() } };
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
  writeJsonAtomic(paths.devCredentialsFile, credentials, 0o600);
  writeStamp(paths);
  logger?.info({ event: 'dev_credentials_generated', count: generated.length, accountsFile: paths.accountsFile, devCredentialsFile: paths.devCredentialsFile }, 'generated development credentials');
  store.replace(file);
  return { credentials, accounts: store, generated };
}
