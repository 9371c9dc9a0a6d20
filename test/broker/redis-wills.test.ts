import test from 'ava';
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import { redisInfo } from '../../bench/lib/redis-info.js';
import { startTestBroker } from '../helpers/broker.js';
import { withRedis } from '../helpers/redis.js';

// The wills a cluster node publishes for the clients of a dead node (aedes asks the persistence every four
// heartbeats): all of them, however many, and without reading the wills of the nodes still alive.

const require = createRequire(import.meta.url);
const msgpack = require('msgpack-lite') as { encode(value: unknown): Buffer };
const redis = withRedis(test);

test('streamWill yields every will of a dead node, past the library’s first 10,001, and reads none of a live node’s', async (t) => {
  const db = new Redis(redis().url);
  t.teardown(() => db.quit());
  // Heartbeats far apart: the node's own round over the wills (every four of them) must not run meanwhile.
  const node = await startTestBroker({ stationIds: [], cluster: { redisUrl: redis().url, heartbeatMs: 120_000 } });
  t.teardown(() => node.close());
  // What aedes' round over the wills of dead nodes reads (aedes.js _clearWills).
  const persistence = (node.broker.aedes as unknown as { persistence: { streamWill(brokers: Record<string, number>): AsyncIterable<unknown> } }).persistence;
  // The library's layout (putWill): the key at the end of the list `will`, the packet under the key.
  const DEAD = 10_050;
  const ALIVE = 500;
  const put = db.pipeline();
  const will = (broker: string, i: number) => {
    const key = `will:${broker}:station-${i}`;
    put.rpush('will', key);
    put.set(key, msgpack.encode({ topic: `qdyz/v1/S-${i}/status`, payload: Buffer.from('{}'), clientId: `station-${i}`, brokerId: broker }));
  };
  for (let i = 0; i < ALIVE; i++) will('alive-node', i);
  for (let i = 0; i < DEAD; i++) will('dead-node', i);
  await put.exec();

  const gets = async () => Number(/calls=(\d+)/.exec(String((await redisInfo(redis().url, ['commandstats'])).cmdstat_get ?? ''))?.[1] ?? 0);
  const getsBefore = await gets();
  const seen: Array<{ brokerId: string }> = [];
  for await (const w of persistence.streamWill({ 'alive-node': Date.now() })) seen.push(w as { brokerId: string });
  t.is(seen.length, DEAD);
  t.true(seen.every((w) => w.brokerId === 'dead-node'));
  t.is((await gets()) - getsBefore, DEAD, 'one GET per will published, none for the live node');
});
