// Back-off for failed CONNECTs, per username and per client address. Each credential check is an scrypt
// verification (~3 ms of a core): without a limit one client guessing passwords keeps the broker busy and learns
// at full speed. Pure state with an injected clock; the broker asks `blocked()` before the scrypt check and reports
// each failure.

export interface AuthThrottleLimits {
  /** Failed CONNECTs allowed per username within `windowMs`; the next one starts a block. */
  perUsername: number;
  /**
   * Per client address. Higher than per username: many stations can sit behind one carrier NAT, and one of them
   * failing must not lock the others out.
   */
  perAddress: number;
  windowMs: number;
  /** A block lasts `windowMs`, doubling with each block in a row, at most this long. */
  maxBlockMs: number;
  /** Keys remembered at most (oldest forgotten first), so random usernames cannot grow memory without bound. */
  maxKeys: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleLimits = { perUsername: 10, perAddress: 100, windowMs: 60_000, maxBlockMs: 15 * 60_000, maxKeys: 50_000 };

interface Entry {
  windowStart: number;
  failures: number;
  blockedUntil: number;
  /** Blocks in a row: the next block lasts windowMs × 2^strikes. */
  strikes: number;
}

export function createAuthThrottle(limits: AuthThrottleLimits = DEFAULT_AUTH_THROTTLE, now: () => number = Date.now) {
  const entries = new Map<string, Entry>();

  /** The live entry of a key; forgotten (strikes too) after a quiet window once its window and block have passed. */
  function current(key: string): Entry | undefined {
    const e = entries.get(key);
    if (e && now() >= Math.max(e.blockedUntil, e.windowStart + limits.windowMs) + limits.windowMs) {
      entries.delete(key);
      return undefined;
    }
    return e;
  }

  function fail(key: string, limit: number): void {
    const t = now();
    let e = current(key);
    if (!e) {
      if (entries.size >= limits.maxKeys) entries.delete(entries.keys().next().value!);
      e = { windowStart: t, failures: 0, blockedUntil: 0, strikes: 0 };
      entries.set(key, e);
    }
    if (t - e.windowStart >= limits.windowMs) {
      e.windowStart = t;
      e.failures = 0;
    }
    e.failures++;
    if (e.failures > limit) {
      e.blockedUntil = t + Math.min(limits.windowMs * 2 ** e.strikes, limits.maxBlockMs);
      e.strikes++;
      e.failures = 0;
      e.windowStart = t;
    }
  }

  const isBlocked = (key: string) => (current(key)?.blockedUntil ?? 0) > now();
  const userKey = (username: string) => `u:${username}`;
  const addressKey = (address: string) => `a:${address}`;

  return {
    /** Which limit, if any, refuses this attempt before its password is checked. */
    blocked(username: string, address: string | undefined): 'username' | 'address' | null {
      if (address !== undefined && isBlocked(addressKey(address))) return 'address';
      return isBlocked(userKey(username)) ? 'username' : null;
    },
    /** A CONNECT whose credentials were wrong (unknown user or bad password). */
    failed(username: string, address: string | undefined): void {
      fail(userKey(username), limits.perUsername);
      if (address !== undefined) fail(addressKey(address), limits.perAddress);
    },
    get size(): number {
      return entries.size;
    },
  };
}
export type AuthThrottle = ReturnType<typeof createAuthThrottle>;
