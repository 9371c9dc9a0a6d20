import type { TestFn } from 'ava';
import { startPrivateRedis, type PrivateRedis } from '../../lib/private-redis.js';

/** One private redis-server (lib/private-redis.ts: loopback, a free port, a temp dir) per test file, started in a serial before hook and stopped after. */
export function withRedis(test: TestFn<unknown>): { redis(): PrivateRedis } {
  let instance: PrivateRedis | undefined;
  test.serial.before(async () => {
    instance = await startPrivateRedis();
  });
  test.after.always(async () => {
    await instance?.stop();
  });
  return {
    redis() {
      if (!instance) throw new Error('redis not started: call withRedis(test) at the top of the test file');
      return instance;
    },
  };
}
