import test from 'ava';
import { Redis } from 'ioredis';
import { createLogger } from '../../lib/logger.js';
import { redisLease } from '../../lib/redis-lease.js';
import { withRedis } from '../helpers/redis.js';

const logger = createLogger('test', process.env.LOG_LEVEL ?? 'silent');
const fixture = withRedis(test);

function client(t: { teardown(fn: () => void): void }): Redis {
  const redis = new Redis(fixture().url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  t.teardown(() => redis.disconnect());
  return redis;
}

test('one holder at a time; each acquisition draws a larger fencing token; a release hands over at once', async (t) => {
  const key = 'lease:handover';
  const redis = client(t);
  const a = redisLease({ redis, key, nodeId: 'a', ttlMs: 10_000, logger });
  const b = redisLease({ redis: client(t), key, nodeId: 'b', ttlMs: 10_000, logger });
  t.teardown(() => Promise.all([a.stop(), b.stop()]));
  const first = (await a.acquire())!;
  t.true(first.valid());
  // b tries at once (and every ttl/5 = 2 s): the lease still names a.
  const waiting = b.acquire();
  t.is(await redis.get(key), `${first.token} a`);
  const releasedAt = Date.now();
  await first.release();
  await first.lost;
  t.false(first.valid());
  const second = (await waiting)!;
  t.true(second.token > first.token);
  t.is(await redis.get(key), `${second.token} b`);
  t.true(Date.now() - releasedAt < 3000, 'b takes it at its next try, not after the ttl');
});

test('a holder that can no longer renew (its Redis link gone, as after a kill -9) loses the lease after the ttl, and another node takes it', async (t) => {
  const key = 'lease:crash';
  const dying = client(t);
  const a = redisLease({ redis: dying, key, nodeId: 'a', ttlMs: 1000, logger });
  const b = redisLease({ redis: client(t), key, nodeId: 'b', ttlMs: 1000, logger });
  t.teardown(() => Promise.all([a.stop(), b.stop()]));
  const asked = Date.now();
  const held = (await a.acquire())!;
  dying.disconnect();
  const next = (await b.acquire())!;
  // The lease ran out a ttl after it was taken (no renewal got through), not before.
  const tookMs = Date.now() - asked;
  t.true(next.token > held.token);
  t.true(tookMs >= 950 && tookMs < 3000, `taken ${tookMs} ms after the first holder asked`);
  // The old holder stops trusting its lease by its own clock (0.8 × ttl), before the new one could take it.
  await held.lost;
  t.false(held.valid());
});

test('a holder whose lease was taken over notices at its next renewal', async (t) => {
  const key = 'lease:taken';
  const redis = client(t);
  const a = redisLease({ redis, key, nodeId: 'a', ttlMs: 600, logger });
  t.teardown(() => a.stop());
  const held = (await a.acquire())!;
  await redis.set(key, '99 intruder', 'PX', 10_000);
  await held.lost;
  t.false(held.valid());
  t.is(await redis.get(key), '99 intruder', 'the other holder’s lease is left alone');
});
