import test from 'ava';
import { BrokerConfigSchema, brokerListenOptions } from '../../broker/config.js';
import { TELEMETRY_SUBSCRIPTIONS, telemetryTopic } from '../../domain/topics.js';
import { readConfig } from '../../lib/config.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startTestBroker } from '../helpers/broker.js';
import { connectAs } from '../helpers/mqtt-clients.js';

// A (re)started broker has no sessions in memory. Stations flush their stored messages the moment they
// reconnect; without a session for the ingest at that moment, those QoS 1 messages are acknowledged to
// the stations and dropped. A seeded session queues them until the ingest comes back.

const registry = loadRegistryFile();
const station = registry.stations[0]!.id;

async function publishedBeforeIngestConnects(seededSessions: string[] | undefined): Promise<{ sent: number; received: number }> {
  const b = await startTestBroker({ registry, stationIds: [station], seededSessions });
  try {
    const publisher = await connectAs(b, station);
    const sent = 25;
    for (let i = 0; i < sent; i++) {
      await publisher.publishAsync(
        telemetryTopic({ stationId: station, channel: 'status' }),
        JSON.stringify({ station, ts: Date.now(), online: true, reason: 'heartbeat' }),
        { qos: 1 },
      );
    }
    await publisher.endAsync();
    let received = 0;
    const ingest = await connectAs(b, 'svc-ingest', { clean: false });
    ingest.on('message', () => received++);
    await ingest.subscribeAsync([...TELEMETRY_SUBSCRIPTIONS], { qos: 1 });
    const until = Date.now() + 3000;
    while (received < sent && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await ingest.endAsync();
    return { sent, received };
  } finally {
    await b.close();
  }
}

test('telemetry published before the ingest reconnects to a fresh broker reaches it through a seeded session', async (t) => {
  const { sent, received } = await publishedBeforeIngestConnects(['svc-ingest']);
  t.is(received, sent);
});

test('without a seeded session the same messages are gone (what the seeding is for)', async (t) => {
  const { received } = await publishedBeforeIngestConnects([]);
  t.is(received, 0);
});

test('BROKER_SEEDED_SESSIONS defaults to the ingest (none when it is embedded), takes a list, and refuses ids no service account may use', (t) => {
  const seeded = (env: Record<string, string>) => brokerListenOptions(readConfig(BrokerConfigSchema, env)).seededSessions;
  t.deepEqual(seeded({}), ['svc-ingest']);
  // An unclaimed svc-ingest session would fill its queue bound and then hold every station.
  t.deepEqual(seeded({ BROKER_INGEST: 'embedded' }), []);
  t.deepEqual(seeded({ BROKER_SEEDED_SESSIONS: 'svc-ingest, svc-dashboard-2' }), ['svc-ingest', 'svc-dashboard-2']);
  t.deepEqual(seeded({ BROKER_SEEDED_SESSIONS: 'none' }), []);
  const error = t.throws(() => readConfig(BrokerConfigSchema, { BROKER_SEEDED_SESSIONS: 'svc-ingest,SN-0001' }));
  t.regex(error.message, /BROKER_SEEDED_SESSIONS.*service client ids/);
});
