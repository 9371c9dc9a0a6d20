import { createServer } from 'node:net';
import test from 'ava';
import { StationConnection } from '../../device-sim/connection.js';
import { StatsRecorder } from '../../device-sim/stats.js';
import { createLogger } from '../../lib/logger.js';

// A station that cannot reach the broker retries after a random delay in [d, 2d), d doubling after each
// failed attempt up to a cap: thousands of stations losing one broker come back spread out, not in lockstep.

/** A TCP server that accepts and at once closes every connection (a broker that is not there yet), noting when. */
async function refusingServer() {
  const attempts: number[] = [];
  const server = createServer((socket) => {
    attempts.push(performance.now());
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { attempts, url: `mqtt://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const station = (url: string, random: () => number) =>
  new StationConnection({
    stationId: 'SN-0001',
    brokerUrl: url,
    password: 'x'.repeat(32),
    will: { station: 'SN-0001', online: false, reason: 'lwt' },
    keepaliveS: 30,
    reconnectMs: 100,
    maxReconnectMs: 400,
    random,
    stats: new StatsRecorder(),
    logger: createLogger('test', 'silent'),
    onConnect: () => {},
  });

test('retries back off exponentially with jitter, up to the cap', async (t) => {
  const server = await refusingServer();
  t.teardown(server.close);
  const jitter = [0.5, 0.25, 0.75, 0.5, 0.5];
  let i = 0;
  const conn = station(server.url, () => jitter[i++ % jitter.length]!);
  t.teardown(() => conn.end(null, 1));
  while (server.attempts.length < 6) await new Promise((resolve) => setTimeout(resolve, 50));
  const gaps = server.attempts.slice(1).map((at, k) => at - server.attempts[k]!);
  // d = 100, 200, 400, 400, 400 ms (capped), times 1 + jitter.
  const expected = [150, 250, 700, 600, 600];
  t.log(`gaps ${gaps.map((g) => Math.round(g)).join(', ')} ms; expected about ${expected.join(', ')}`);
  gaps.forEach((gap, k) => t.true(gap >= expected[k]! - 5 && gap < expected[k]! + 150, `gap ${k}: ${Math.round(gap)} ms`));
});
