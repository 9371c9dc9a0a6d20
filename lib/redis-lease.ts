import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

// A leadership lease on Redis (one instance: SET NX PX, the single-node pattern of the Redis docs,
// not Redlock): one holder at a time, and every acquisition takes a fencing token from a counter
// that only grows, so a store can refuse writes of a holder that lost the lease without knowing it.

// Take the lease if free, and only then draw the next fencing token: both or neither.
const ACQUIRE = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local token = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], token .. ' ' .. ARGV[1], 'PX', ARGV[2])
  return token
end
return false`;
// Extend or give up only the lease we hold (its value names our token and node).
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface LeaseOptions {
  redis: Redis;
  /** The lease's key; the fencing counter is `${key}:fence`. */
  key: string;
  /** Who holds it (logs, the key's value). */
  nodeId: string;
  ttlMs: number;
  logger: Logger;
  now?: () => number;
}

export interface Leadership {
  token: number;
  /** Resolves when the lease is lost (not renewed in time, or taken) or given up. */
  lost: Promise<void>;
  /** True while the lease is surely ours: renewed less than ttl × 0.8 ago by our own clock. */
  valid(): boolean;
  /** Stops renewing and deletes the lease if it is still ours; `lost` resolves. */
  release(): Promise<void>;
}

export interface Lease {
  /** Tries to take the lease every ttl/5 until it gets it or stop() is called (then resolves with null). */
  acquire(): Promise<Leadership | null>;
  /** Gives the lease up if held (a clean stop hands over at once instead of after the ttl). */
  stop(): Promise<void>;
}

export function redisLease(o: LeaseOptions): Lease {
  const { redis, key, nodeId, ttlMs, logger } = o;
  const now = o.now ?? Date.now;
  const fenceKey = `${key}:fence`;
  const retryMs = Math.max(50, Math.floor(ttlMs / 5));
  let stopped = false;
  let held: { value: string; end: () => void } | null = null;
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => (clearTimeout(timer), resolve());
    });

  async function hold(token: number): Promise<Leadership> {
    const value = `${token} ${nodeId}`;
    let renewedAt = now();
    let end!: () => void;
    const lost = new Promise<void>((resolve) => (end = resolve));
    held = { value, end };
    const renewEvery = Math.max(20, Math.floor(ttlMs / 3));
    const loop = async (): Promise<void> => {
      while (held?.value === value && !stopped) {
        await pause(renewEvery);
        if (held?.value !== value || stopped) break;
        const startedAt = now();
        try {
          const ok = (await redis.eval(RENEW, 1, key, value, String(ttlMs))) as number;
          if (ok === 1) {
            renewedAt = startedAt;
            continue;
          }
          logger.warn({ event: 'lease_lost', key, token, node: nodeId }, 'leadership lease taken by another node');
        } catch (err) {
          // Redis away: the lease runs out on its own; keep trying until our own deadline passes.
          if (now() - renewedAt < ttlMs * 0.8) continue;
          logger.warn({ event: 'lease_lost', key, token, node: nodeId, err: (err as Error).message }, 'leadership lease not renewed in time');
        }
        break;
      }
      if (held?.value === value) held = null;
      end();
    };
    void loop();
    return {
      token,
      lost,
      valid: () => held?.value === value && now() - renewedAt < ttlMs * 0.8,
      async release() {
        if (held?.value !== value) return;
        held = null;
        wake?.();
        await redis.eval(RELEASE, 1, key, value).catch(() => undefined);
        end();
      },
    };
  }

  return {
    async acquire() {
      while (!stopped) {
        try {
          const token = (await redis.eval(ACQUIRE, 2, key, fenceKey, nodeId, String(ttlMs))) as number | null;
          if (token !== null) {
            logger.info({ event: 'lease_acquired', key, token, node: nodeId }, 'leadership lease acquired');
            return hold(Number(token));
          }
        } catch (err) {
          logger.warn({ event: 'lease_retry', key, err: (err as Error).message }, 'leadership lease: Redis not answering');
        }
        await pause(retryMs);
      }
      return null;
    },
    async stop() {
      stopped = true;
      wake?.();
      const h = held;
      held = null;
      if (!h) return;
      await redis.eval(RELEASE, 1, key, h.value).catch(() => undefined);
      h.end();
    },
  };
}
