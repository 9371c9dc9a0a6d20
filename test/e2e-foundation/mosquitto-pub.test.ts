import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import { SERIES } from '../../domain/series.js';
import { startIngest, type Ingest } from '../../ingest/ingest.js';
import { connectInflux, type Influx } from '../../lib/influx/client.js';
import { createLogger } from '../../lib/logger.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { withInfluxd } from '../helpers/influxd.js';
import { metricValue, occupancyPayload, occupancyTopic, settledMetric } from '../ingest/fixtures.js';
import { until } from '../helpers/poll.js';

// Issue 2, "done when": device-side publishes with mosquitto_pub (MQTT 3.1.1, QoS 1) through the real broker
// and the real ingest into a real influxd; every outcome is proven with an InfluxQL query or a metric.

const fixture = withInfluxd(test);
const OWN = 'SN-0001';
const OTHER = 'SN-0002';
const OCC = SERIES.occupancy.measurement;
let broker: TestBroker;
let influx: Influx;
let ingest: Ingest;
let spoolDir: string;
const metrics = new MetricsRegistry();
const logger = createLogger('test-e2e', 'silent');

test.serial.before(async () => {
  broker = await startTestBroker({ stationIds: [OWN, OTHER] });
  influx = await connectInflux({ url: fixture.influxd().url, database: 'stations' }, logger);
  await influx.ensureDatabase();
  spoolDir = await mkdtemp(join(tmpdir(), 'qdyz-e2e-spool-'));
  ingest = await startIngest({
    mqttUrl: broker.url,
    username: 'svc-ingest',
    password: broker.credentials['svc-ingest']!,
    clientId: 'svc-ingest-e2e',
    registry: broker.registry,
    logger,
    metrics,
    influx,
    writer: { spoolDir, flushMs: 50 },
  });
});
test.after.always(async () => {
  await ingest?.close();
  await influx?.close();
  await broker?.close();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

interface PubResult {
  code: number;
  stderr: string;
}

function mosquittoPub(user: string, password: string, topic: string, message: string): Promise<PubResult> {
  const args = ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv311', '-q', '1', '-u', user, '-P', password, '-i', user, '-t', topic, '-m', message];
  return new Promise((resolve) => {
    execFile('mosquitto_pub', args, { timeout: 15_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, stderr });
    });
  });
}

const pointsAt = (station: string, ts: number) =>
  influx.query(`SELECT people, entries FROM ${OCC} WHERE station = $station AND time = $time`, { station, time: new Date(ts).toISOString() });

let nextTs = Date.now() - 600_000;
const uniqueTs = (): number => (nextTs += 1000);

/** The written-points counter once it has stopped moving (it can trail the points' visibility). */
const settledWritten = () => settledMetric(metrics, 'ingest_points_written_total', { quietMs: 300 });

/** A valid message from OWN, waited for in InfluxDB: everything published before it has been processed. */
async function sentinel(t: { is(a: unknown, b: unknown): void }): Promise<void> {
  const ts = uniqueTs();
  const res = await mosquittoPub(OWN, broker.credentials[OWN]!, occupancyTopic(OWN), JSON.stringify(occupancyPayload(OWN, ts, 1, 1)));
  t.is(res.code, 0);
  await until(async () => (await pointsAt(OWN, ts)).length === 1);
}

test.serial("mosquitto_pub with a station's credentials puts a valid message into InfluxDB", async (t) => {
  const ts = uniqueTs();
  const res = await mosquittoPub(OWN, broker.credentials[OWN]!, occupancyTopic(OWN), JSON.stringify(occupancyPayload(OWN, ts, 7, 3)));
  t.is(res.code, 0, res.stderr);
  await until(async () => (await pointsAt(OWN, ts)).length > 0);
  t.deepEqual(await pointsAt(OWN, ts), [{ time: ts, people: 7, entries: 3 }]);
  const tags = await influx.query(`SHOW TAG VALUES FROM ${OCC} WITH KEY = "district" WHERE station = $station`, { station: OWN });
  t.deepEqual(
    tags.map((r) => r.value),
    ['SN'],
  );
});

test.serial("the same credentials publishing under another station's topic are refused and nothing is written", async (t) => {
  const before = await metricValue(broker.metrics, 'broker_refusals_total', { kind: 'publish', reason: 'foreign_topic' });
  const ts = uniqueTs();
  const res = await mosquittoPub(OWN, broker.credentials[OWN]!, occupancyTopic(OTHER), JSON.stringify(occupancyPayload(OTHER, ts, 5, 5)));
  t.not(res.code, 0, 'the broker closes the connection of a refused QoS 1 publish (MQTT 3.1.1 has no negative PUBACK)');
  t.is(await metricValue(broker.metrics, 'broker_refusals_total', { kind: 'publish', reason: 'foreign_topic' }), before + 1);
  await sentinel(t);
  t.deepEqual(await pointsAt(OTHER, ts), []);
  t.deepEqual(await influx.query(`SELECT count(people) FROM ${OCC} WHERE station = $station`, { station: OTHER }), []);
});

test.serial('a wrong password is refused at connect and nothing is written', async (t) => {
  const before = await metricValue(broker.metrics, 'broker_refusals_total', { kind: 'connect', reason: 'bad_password' });
  const ts = uniqueTs();
  const res = await mosquittoPub(OWN, `${broker.credentials[OWN]!}x`, occupancyTopic(OWN), JSON.stringify(occupancyPayload(OWN, ts, 2, 2)));
  t.not(res.code, 0);
  t.regex(res.stderr, /bad user name or password/i);
  t.is(await metricValue(broker.metrics, 'broker_refusals_total', { kind: 'connect', reason: 'bad_password' }), before + 1);
  await sentinel(t);
  t.deepEqual(await pointsAt(OWN, ts), []);
});

test.serial('malformed and out-of-range payloads are counted per reason and not written', async (t) => {
  const reasons = ['bad_json', 'out_of_range', 'schema'] as const;
  const before = Object.fromEntries(
    await Promise.all(reasons.map(async (r) => [r, await metricValue(metrics, 'telemetry_messages_rejected_total', { reason: r })] as const)),
  );
  const written = await settledWritten();
  const [tsBadJson, tsRange, tsSchema] = [uniqueTs(), uniqueTs(), uniqueTs()];
  const pw = broker.credentials[OWN]!;
  for (const payload of [
    `{"station":"${OWN}","ts":${tsBadJson},"people":3,`,
    JSON.stringify(occupancyPayload(OWN, tsRange, 999, 1)),
    JSON.stringify({ ...occupancyPayload(OWN, tsSchema, 1, 1), people: 'three' }),
  ]) {
    t.is((await mosquittoPub(OWN, pw, occupancyTopic(OWN), payload)).code, 0, 'the broker accepts it; validation is the ingest’s job');
  }
  await sentinel(t);
  for (const reason of reasons) t.is(await metricValue(metrics, 'telemetry_messages_rejected_total', { reason }), before[reason]! + 1, reason);
  t.is(await settledWritten(), written + 1, 'only the sentinel was written');
  for (const ts of [tsBadJson, tsRange, tsSchema]) t.deepEqual(await pointsAt(OWN, ts), []);
  // The rejection is visible on the service's /metrics text too.
  t.regex(await metrics.metrics(), /^telemetry_messages_rejected_total\{reason="out_of_range"\} [1-9]/m);
});
