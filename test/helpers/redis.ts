import type { TestFn } from 'ava';
import { startPrivateRedis, type PrivateRedis } from '../../lib/private-redis.js';

/**
 * One private redis-server per test file (free port, temp dir, AOF on): started in a serial before hook, stopped and
 * its dir removed in test.after.always. Usage: `const redis = withRedis(test)`, then `redis().url` inside tests.
 */
export function withRedis(test: TestFn<unknown>): () => PrivateRedis {
  let instance: PrivateRedis | undefined;
  test.serial.before(async () => {
    instance = await startPrivateRedis();
  });
  test.after.always(async () => {
    await instance?.stop();
  });
  return () => {
    if (!instance) throw new Error('private redis not started: call withRedis(test) at the top of the test file');
    return instance;
  };
}
