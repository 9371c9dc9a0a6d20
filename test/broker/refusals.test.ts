import test from 'ava';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createAuthThrottle } from '../../broker/auth-throttle.js';
import { telemetryTopic } from '../../domain/topics.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startTestBroker, type TestBrokerOptions } from '../helpers/broker.js';
import { refusals } from '../helpers/mqtt-clients.js';
import { connectPacket, rawConnect, type RawConnection } from '../helpers/mqtt-raw.js';

const registry = loadRegistryFile();
const [A, B] = registry.stations.slice(0, 2).map((s) => s.id) as [string, string];

/** A broker whose log lines are collected; `until` waits for a line the broker writes. */
async function brokerWithLog(t: { teardown(fn: () => Promise<void>): void }, options: TestBrokerOptions = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      for (const w of waiters.splice(0)) w();
      done();
    },
  });
  const b = await startTestBroker({ registry, stationIds: [A, B], logger: pino({ level: 'info' }, sink), ...options });
  t.teardown(b.close);
  /** Waits until the broker has logged `n` lines of this event, individually or within its summaries. */
  const logged = (key: string, n: number) =>
    new Promise<{ individually: number; summarised: number }>((resolve) => {
      const check = () => {
        const individually = lines.filter((l) => l.event === 'refused' && `${l.kind}/${l.reason}` === key).length;
        const summarised = lines.filter((l) => l.event === 'refused_summary').reduce((sum, l) => sum + ((l.suppressed as Record<string, number>)[key] ?? 0), 0);
        return individually + summarised >= n ? resolve({ individually, summarised }) : waiters.push(check);
      };
      check();
    });
  return { b, lines, logged };
}

/** CONNECT over a raw socket; the CONNACK return code, or 'closed' when the broker closed without one. */
async function connack(
  b: { port: number; credentials: Record<string, string> },
  username: string,
  extra: Parameters<typeof connectPacket>[2] = {},
): Promise<number | 'closed'> {
  const conn: RawConnection = await rawConnect(b);
  conn.send(connectPacket(b, username, extra));
  try {
    return ((await conn.next('connack')) as { returnCode: number }).returnCode;
  } catch {
    return 'closed';
  } finally {
    conn.socket.destroy();
  }
}

test('failed CONNECTs back off per username: over the limit they are refused before any password check, until the block ends', async (t) => {
  let now = 1_000_000;
  const { b } = await brokerWithLog(t, {
    authThrottle: { perUsername: 3, perAddress: 100, windowMs: 60_000, maxBlockMs: 600_000, maxKeys: 100 },
    now: () => now,
  });
  let verified = 0;
  const verify = b.accounts.verify.bind(b.accounts);
  b.accounts.verify = (...args) => (verified++, verify(...args));

  for (let i = 0; i < 4; i++) t.is(await connack(b, A, { password: Buffer.from('guess') }), 4);
  t.is(verified, 4);
  t.is(await connack(b, A), 5, 'blocked: even the right password is not checked');
  t.is(await connack(b, A, { password: Buffer.from('guess') }), 5);
  t.is(verified, 4, 'no scrypt check while blocked');
  t.is(await refusals(b, 'connect', 'throttled'), 2);
  t.is(await connack(b, B), 0, 'another station from the same address is not affected');

  now += 60_000; // the first block lasts one window
  t.is(await connack(b, A), 0);
  // A second block in a row lasts twice as long.
  for (let i = 0; i < 4; i++) await connack(b, A, { password: Buffer.from('guess') });
  now += 60_000;
  t.is(await connack(b, A), 5);
  now += 60_000;
  t.is(await connack(b, A), 0);
});

test('the per-address limit blocks a client guessing many usernames, also for usernames it has not tried', async (t) => {
  const { b } = await brokerWithLog(t, { authThrottle: { perUsername: 100, perAddress: 5, windowMs: 60_000, maxBlockMs: 600_000, maxKeys: 100 } });
  for (let i = 0; i < 6; i++) t.is(await connack(b, `SN-90${String(i).padStart(2, '0')}`, { password: Buffer.from('guess') }), 4);
  t.is(await connack(b, B), 5);
  t.is(await refusals(b, 'connect', 'throttled'), 1);
});

test('the throttle forgets quiet keys and never holds more than maxKeys', (t) => {
  let now = 0;
  const throttle = createAuthThrottle({ perUsername: 1, perAddress: 1000, windowMs: 1000, maxBlockMs: 10_000, maxKeys: 10 }, () => now);
  for (let i = 0; i < 100; i++) throttle.failed(`user-${i}`, undefined);
  t.is(throttle.size, 10);
  throttle.failed('x', undefined);
  throttle.failed('x', undefined);
  t.is(throttle.blocked('x', undefined), 'username');
  now += 1000;
  t.is(throttle.blocked('x', undefined), null);
  now += 1000;
  throttle.failed('x', undefined);
  throttle.failed('x', undefined);
  now += 1000;
  t.is(throttle.blocked('x', undefined), null, 'after a quiet window the strikes are forgotten: the block is one window again');
});

test('refusal logs are sampled per reason with a summary line, and identifiers as sent are clipped', async (t) => {
  const { b, lines, logged } = await brokerWithLog(t, { refusalLog: { perReason: 3, intervalMs: 60_000 } });
  for (let i = 0; i < 20; i++) t.is(await connack(b, `${i}-${'x'.repeat(4000)}`, { clientId: 'c'.repeat(500), password: Buffer.from('guess') }), 4);
  t.is(lines.filter((l) => l.event === 'refused').length, 3, 'the rest wait for the summary');
  b.broker.summariseRefusals();
  t.deepEqual(await logged('connect/unknown_user', 20), { individually: 3, summarised: 17 });
  const refused = lines.filter((l) => l.event === 'refused');
  for (const line of refused) {
    t.true((line.username as string).length < 100, 'username clipped');
    t.true((line.clientId as string).length < 100, 'client id clipped');
    t.regex(line.username as string, /…\(400\d chars\)$/);
  }
  t.is(await refusals(b, 'connect', 'unknown_user'), 20, 'every refusal is counted');
});

test('MQTT 3.1 and MQTT 5 get CONNACK 1 (unacceptable protocol level); a bad protocol name and a malformed packet close the connection; all counted', async (t) => {
  const { b } = await brokerWithLog(t);
  t.is(await connack(b, A, { protocolId: 'MQIsdp', protocolVersion: 3 }), 1);
  t.is(await connack(b, A, { protocolVersion: 5 }), 1);
  t.is(await refusals(b, 'connect', 'unsupported_protocol'), 2);

  const bad = await rawConnect(b);
  // CONNECT with protocol name "MQTX"
  bad.send(Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x58, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00]));
  await bad.closed;
  t.is(await refusals(b, 'packet', 'bad_protocol'), 1);

  const malformed = await rawConnect(b);
  malformed.send(Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x03, 0x00, 0x3c, 0x00, 0x00])); // reserved connect flag set [MQTT-3.1.2-3]
  await malformed.closed;
  t.is(await refusals(b, 'packet', 'malformed_packet'), 1);
  t.is(await connack(b, A), 0, 'a 3.1.1 client still connects');
});

test('a station that withholds PUBREL beyond the QoS 2 receive window is disconnected and counted', async (t) => {
  const { b } = await brokerWithLog(t);
  const conn = await rawConnect(b);
  conn.send(connectPacket(b, A));
  await conn.next('connack');
  const topic = telemetryTopic({ stationId: A, channel: 'status' });
  const payload = Buffer.from(JSON.stringify({ station: A, ts: Date.now(), online: true, reason: 'heartbeat' }));
  conn.send(
    ...Array.from({ length: 1001 }, (_, i) => ({ cmd: 'publish' as const, topic, payload, qos: 2 as const, messageId: i + 1, dup: false, retain: false })),
  );
  await conn.closed;
  t.is(await refusals(b, 'publish', 'inflight_exceeded'), 1);
});

test('sockets that never send CONNECT are counted and their log lines summarised', async (t) => {
  const { b, lines, logged } = await brokerWithLog(t, { connectTimeoutMs: 100, refusalLog: { perReason: 2, intervalMs: 60_000 } });
  const idle = await Promise.all(Array.from({ length: 10 }, () => rawConnect(b)));
  await Promise.all(idle.map((c) => c.closed));
  t.is(await refusals(b, 'connect', 'no_connect'), 10);
  b.broker.summariseRefusals();
  t.deepEqual(await logged('connect/no_connect', 10), { individually: 2, summarised: 8 });
  t.is(lines.filter((l) => l.event === 'client_error').length, 0);
});
