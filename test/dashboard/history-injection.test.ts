import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERIES, type PointData } from '../../domain/series.js';
import { connectInflux, type Influx } from '../../lib/influx/client.js';
import { createLogger } from '../../lib/logger.js';
import { withInfluxd } from '../helpers/influxd.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

const fixture = withInfluxd(test);
const T0 = Date.UTC(2026, 10, 20, 0, 0);
const HOUR = 3600_000;

let influx: Influx;
let h: Harness;
let database: string;
const sent: Array<{ influxql: string; params?: Record<string, unknown> }> = [];
let spool: string;

const point = (station: string, appliance: string, i: number): PointData => ({
  measurement: SERIES.appliance.measurement,
  tags: { station, district: station.split('-')[0]!, appliance },
  fields: { power_w: { type: 'float', value: 100 + i }, on: { type: 'int', value: 1 } },
  time: T0 + i * 60_000,
});

test.serial.before(async () => {
  database = fixture.newDatabase('dash');
  influx = await connectInflux({ url: fixture.influxd().url, database }, createLogger('test', 'silent'));
  await influx.ensureDatabase();
  spool = mkdtempSync(join(tmpdir(), 'dash-spool-'));
  const writer = influx.writer({ spoolDir: spool, flushMs: 50 });
  writer.write([...Array.from({ length: 120 }, (_, i) => point('SN-0001', 'fridge', i)), point('SB-0001', 'fridge', 1)]);
  await writer.flush();
  // Record every statement the API sends, so the tests can show what reached InfluxDB.
  h = await startHarness({
    alerting: new MemoryAlerting(),
    influx: { query: (influxql, params) => (sent.push({ influxql, params }), influx.query(influxql, params)) },
  });
});
test.after.always(async () => {
  await h?.close();
  await influx?.close();
  if (spool) rmSync(spool, { recursive: true, force: true });
});

test.serial('history reads aggregated points with bound parameters', async (t) => {
  const token = await h.login('maint-sn');
  const r = await h.get(
    `/api/stations/SN-0001/history?metric=appliance.power_w&appliance=fridge&from=${new Date(T0).toISOString()}&to=${T0 + 2 * HOUR}&every=15m&agg=max`,
    token,
  );
  t.is(r.status, 200, JSON.stringify(r.body));
  t.is(r.body.points.length, 8);
  t.deepEqual(r.body.points[0], { t: T0, value: 114 });
  t.deepEqual(r.body.points[7], { t: T0 + 105 * 60_000, value: 219 });
  const last = sent.at(-1)!;
  t.notRegex(last.influxql, /SN-0001|fridge|2026/);
  t.deepEqual(last.params, { station: 'SN-0001', appliance: 'fridge', from: new Date(T0).toISOString(), to: new Date(T0 + 2 * HOUR).toISOString() });
});

test.serial('injection attempts in the query string get 400 and never reach InfluxDB', async (t) => {
  const token = await h.login('admin');
  const before = sent.length;
  const from = T0;
  const to = T0 + HOUR;
  const attempts = [
    `metric=${encodeURIComponent('appliance.power_w" FROM appliance; DROP DATABASE ' + database + ' --')}&appliance=fridge&from=${from}&to=${to}`,
    `metric=appliance.power_w&appliance=${encodeURIComponent("fridge' OR 1=1 --")}&from=${from}&to=${to}`,
    `metric=service.open&from=${encodeURIComponent('now() - 1000d OR time > 0')}&to=${to}`,
    `metric=service.open&from=${from}&to=${to}&every=${encodeURIComponent('1m); DROP DATABASE x; SELECT (1')}`,
    `metric=service.open&from=${from}&to=${to}&agg=${encodeURIComponent('count(*) FROM /.*/ --')}`,
    `metric=service.open&from=${from}&to=${to}&station=${encodeURIComponent("SB-0001' OR '1'='1")}`,
    `metric=appliance.fault_code&appliance=fridge&from=${from}&to=${to}`,
    `metric=service.open&metric=status.online&from=${from}&to=${to}`,
  ];
  for (const qs of attempts) {
    const r = await h.get(`/api/stations/SN-0001/history?${qs}`, token);
    t.is(r.status, 400, qs);
    t.is(r.body.error.code, 'invalid_request', qs);
  }
  const path = await h.get(`/api/stations/${encodeURIComponent("SN-0001' OR station='SB-0001")}/history?metric=service.open&from=${from}&to=${to}`, token);
  t.is(path.status, 400);
  t.is(sent.length, before, 'no statement was sent for any attempt');

  // The data and the database are intact.
  const dbs = await influx.query('SHOW DATABASES');
  t.true(dbs.some((r) => r.name === database));
  const rows = await influx.query(`SELECT count(power_w) FROM ${SERIES.appliance.measurement}`);
  t.is(rows[0]?.count, 121);
});

test.serial('times outside the range InfluxDB can store get 400, not a 500 from InfluxDB', async (t) => {
  const token = await h.login('admin');
  const before = sent.length;
  for (const [from, to, every] of [
    ['0000-01-01T00:00:00Z', '0000-01-02T00:00:00Z', '1d'],
    ['1600-01-01T00:00:00Z', '1600-01-02T00:00:00Z', '1d'],
    ['9999999990000', '9999999999999', '1m'], // 2286
    ['2262-04-12T00:00:00Z', '2262-04-13T00:00:00Z', '1d'],
  ]) {
    const r = await h.get(`/api/stations/SN-0001/history?metric=service.open&from=${from}&to=${to}&every=${every}`, token);
    t.is(r.status, 400, `${from} … ${to}: ${JSON.stringify(r.body)}`);
    t.is(r.body.error.code, 'invalid_request');
  }
  t.is(sent.length, before);
  const inRange = await h.get(`/api/stations/SN-0001/history?metric=service.open&from=2262-04-10T00:00:00Z&to=2262-04-11T00:00:00Z&every=1d`, token);
  t.is(inRange.status, 200, JSON.stringify(inRange.body));
});

test.serial('hostile text that passes validation stays a value: it matches nothing', async (t) => {
  const token = await h.login('admin');
  const r = await h.get(`/api/stations?q=${encodeURIComponent("' OR 1=1; DROP DATABASE x --")}`, token);
  t.is(r.status, 200);
  t.is(r.body.total, 0);
});
