import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * The one password-hash format of the platform, for broker accounts and dashboard users alike:
 * salted scrypt with its parameters in the string, `scrypt$N$r$p$salt$hash` (salt and hash base64url;
 * standard base64, as dashboard users files written before this module hold, is read too).
 */

/**
 * Machine secrets (broker accounts): N=2^10, r=8, p=1 (1 MiB of memory per hash). Every secret the broker
 * verifies is a random 192-bit token (generatePassword), so guessing is hopeless whatever the cost factor;
 * the hash only has to be salted and one-way so a leaked accounts file gives nothing away. A high cost would
 * buy no security and would hurt exactly when it matters: measured on this 2-core machine (shared, under load)
 * one verify takes ~3 ms serially and ~1.7 ms of throughput with the libuv pool busy, so a cold reconnect storm
 * of 15,000 stations costs ~25 s of thread-pool time, off the event loop, and the cache in credentials.ts makes
 * every later reconnect free. The interactive cost below measured ~26 ms of throughput per verify: ~400 s for the storm.
 */
export const TOKEN_SCRYPT_PARAMS = { N: 1 << 10, r: 8, p: 1 } as const;
/** Passwords people choose (dashboard users): guessable, so the interactive cost (N=2^14, 16 MiB). */
export const PERSON_SCRYPT_PARAMS = { N: 1 << 14, r: 8, p: 1 } as const;
export type ScryptParams = { N: number; r: number; p: number };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** Refuse parameters from a file that would make one verify a denial of service (≤ 64 MiB, as libsodium's cap). */
const MAX_SCRYPT_MEMORY = 64 * 1024 * 1024;

/** Salt and key in base64url or base64 (`\w` is the letters, digits and `_`). */
const PASSWORD_HASH_PATTERN = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([\w+/-]{16,}={0,2})\$([\w+/-]{32,}={0,2})$/;

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function scryptAsync(password: string | Buffer, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));
}

const memoryOf = ({ N, r, p }: ScryptParams) => 128 * N * r * p;

/** Why a hash string is unusable, or null when it is fine (used by the accounts-file schema). */
export function passwordHashProblem(hash: string): string | null {
  const m = PASSWORD_HASH_PATTERN.exec(hash);
  if (!m) return 'expected scrypt$N$r$p$salt$hash';
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || (N & (N - 1)) !== 0) return `scrypt N=${N} is not a power of two`;
  if (r < 1 || p < 1) return 'scrypt r and p must be at least 1';
  if (memoryOf({ N, r, p }) > MAX_SCRYPT_MEMORY) return `scrypt parameters need more than ${MAX_SCRYPT_MEMORY} bytes`;
  return null;
}

function parseHash(hash: string): ParsedHash {
  const problem = passwordHashProblem(hash);
  const m = PASSWORD_HASH_PATTERN.exec(hash);
  if (problem || !m) throw new Error(`unusable password hash: ${problem}`);
  return {
    params: { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) },
    // Node's base64 decoder reads both alphabets.
    salt: Buffer.from(m[4]!, 'base64'),
    key: Buffer.from(m[5]!, 'base64'),
  };
}

/** `params`: TOKEN_SCRYPT_PARAMS for generated secrets, PERSON_SCRYPT_PARAMS for passwords people choose. */
export async function hashPassword(password: string, params: ScryptParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(password, salt, KEY_BYTES, { ...params, maxmem: 2 * memoryOf(params) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time comparison of the derived key; runs on the libuv pool, never blocks the event loop. */
export async function verifyPassword(password: string | Buffer, hash: string): Promise<boolean> {
  const { params, salt, key } = parseHash(hash);
  const derived = await scryptAsync(password, salt, key.length, { ...params, maxmem: 2 * memoryOf(params) });
  return timingSafeEqual(derived, key);
}

/** A random secret for a device or service account: 192 bits, URL- and shell-safe. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}
