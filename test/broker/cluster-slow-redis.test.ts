import { createServer, connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import test from 'ava';
import { connectAsync } from 'mqtt';
import { startPrivateRedis } from '../../lib/private-redis.js';
import { startTestBroker } from '../helpers/broker.js';

// A node of a cluster whose Redis answers slowly at first (a loaded machine: seen in bench:cluster) must start:
// aedes subscribes while the emitter's subscriber link is still connecting, and ioredis' ready check on that
// link was then refused ("Connection in subscriber mode") and killed the node.

/** A TCP proxy to Redis that holds Redis' first answers on each link for `delayMs`. */
async function slowProxy(port: number, delayMs: number) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = tcpConnect({ port, host: '127.0.0.1' });
    const opened = Date.now();
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream);
    // Redis closing the link (after QUIT) closes the client's side; 'end' comes after any held data.
    upstream.on('end', () => client.end());
    upstream.on('data', (chunk) => {
      const wait = opened + delayMs - Date.now();
      if (wait <= 0) return void client.write(chunk);
      upstream.pause();
      setTimeout(() => {
        client.write(chunk);
        upstream.resume();
      }, wait);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a broker node starts and serves stations when Redis answers its first commands slowly', async (t) => {
  const redis = await startPrivateRedis();
  t.teardown(() => redis.stop());
  const proxy = await slowProxy(redis.port, 300);
  t.teardown(() => proxy.close());
  const station = 'SN-0001';
  const broker = await startTestBroker({ cluster: { redisUrl: proxy.url }, stationIds: [station] });
  t.teardown(() => broker.close());
  const client = await connectAsync(broker.url, { username: station, password: broker.credentials[station], clientId: station, protocolVersion: 4 });
  t.teardown(() => client.endAsync(true));
  t.true(client.connected);
});
