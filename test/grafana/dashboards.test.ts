import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTRICTS } from '../../domain/districts.js';
import { toPoint } from '../../domain/series.js';
import { decodeTelemetry } from '../../domain/telemetry.js';
import { backfillMessages } from '../../device-sim/backfill.js';
import { INFLUX_DATASOURCE } from '../../grafana/datasource.js';
import { buildDashboards } from '../../grafana/dashboards/index.js';
import type { DashboardJson, PanelJson } from '../../grafana/board.js';
import { connectInflux, type Influx } from '../../lib/influx/client.js';
import { startPrivateInfluxd, type PrivateInfluxd } from '../../lib/influx/private-influxd.js';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { fixtureAlertRecords } from './fixture-alerting.js';
import { recordToPoint } from '../../alerting/influx-store.js';
import { expandQuery, type QueryContext, type VariableSetting } from './grafana-macros.js';
import { CONTRACT, columnNameProblems, contractProblems, resultNames, utcDayProblems } from './query-contract.js';

const logger = createLogger('test-grafana', 'silent');
const boards = buildDashboards();

const queriesOf = (panel: PanelJson): Array<{ refId: string; query: string }> =>
  (panel.targets ?? []).map((t) => ({ refId: String(t.refId), query: String(t.query) }));

const variableQueries = (board: DashboardJson): Array<{ name: string; query: string }> =>
  board.templating.list.filter((v) => v.type === 'query').map((v) => ({ name: String(v.name), query: String(v.query) }));

test('every board builds, serializes and has a stable, unique uid', (t) => {
  t.is(boards.length, 6);
  const uids = boards.map((b) => b.uid);
  t.deepEqual(
    uids,
    buildDashboards().map((b) => b.uid),
    'uids are stable across builds',
  );
  t.is(new Set(uids).size, uids.length);
  for (const board of boards) {
    t.regex(board.uid, /^[a-zA-Z0-9_-]{1,40}$/, `${board.title}: Grafana uids are at most 40 characters`);
    t.deepEqual(JSON.parse(JSON.stringify(board)), board, `${board.title} survives a JSON round trip`);
    const ids = board.panels.map((p) => p.id);
    t.is(new Set(ids).size, ids.length, `${board.title}: panel ids are unique`);
    t.true(board.panels.length >= 2, `${board.title} has panels`);
  }
});

test('every querying panel and query points at the InfluxDB data source, in raw InfluxQL', (t) => {
  let targets = 0;
  for (const board of boards) {
    for (const panel of board.panels) {
      if (panel.type === 'text') continue;
      t.deepEqual(panel.datasource, INFLUX_DATASOURCE, `${board.title} / ${panel.title}: panel data source`);
      const refIds = (panel.targets ?? []).map((q) => q.refId);
      t.true(refIds.length > 0, `${board.title} / ${panel.title} has queries`);
      t.is(new Set(refIds).size, refIds.length, `${board.title} / ${panel.title}: refIds unique`);
      for (const target of panel.targets ?? []) {
        targets++;
        t.deepEqual(target.datasource, INFLUX_DATASOURCE, `${board.title} / ${panel.title} ${String(target.refId)}: query data source`);
        t.is(target.rawQuery, true);
        t.true(['time_series', 'table'].includes(String(target.resultFormat)));
      }
    }
    for (const v of board.templating.list.filter((x) => x.type === 'query'))
      t.deepEqual(v.datasource, INFLUX_DATASOURCE, `${board.title}: variable ${String(v.name)}`);
  }
  t.true(targets > 30);
});

test('every measurement, field and tag a query names is in the telemetry contract', (t) => {
  for (const board of boards) {
    for (const panel of board.panels) {
      for (const { refId, query } of queriesOf(panel)) t.deepEqual(contractProblems(query), [], `${board.title} / ${panel.title} ${refId}: ${query}`);
    }
    for (const { name, query } of variableQueries(board)) t.deepEqual(contractProblems(query), [], `${board.title} / $${name}`);
  }
});

test('the contract check catches names that are not in the contract', (t) => {
  t.deepEqual(contractProblems('SELECT last("online") FROM "station_status" WHERE $timeFilter GROUP BY "station"'), []);
  t.deepEqual(contractProblems('SELECT last("state") FROM "alert_transition" GROUP BY "rule"'), []);
  t.deepEqual(contractProblems('SELECT last("state") FROM "alert_transition" GROUP BY "item"'), ['"item" is neither a field nor a tag of "alert_transition"']);
  t.deepEqual(contractProblems('SELECT last("onlin") FROM "station_status"'), ['"onlin" is neither a field nor a tag of "station_status"']);
  t.deepEqual(contractProblems('SELECT mean("people") FROM "occupancy"'), [
    'measurement "occupancy" is not in the telemetry contract',
    '"people" is neither a field nor a tag of "occupancy"',
  ]);
  t.deepEqual(contractProblems('SELECT mean("temp_c") FROM appliance'), [
    'unquoted measurement appliance (quote it, from domain/series.ts)',
    'reads no measurement',
    '"temp_c" is neither a field nor a tag of ',
  ]);
  t.deepEqual(contractProblems('SELECT sum("x") FROM (SELECT last("open") AS "x" FROM "station_service" GROUP BY "appliance")'), [
    '"appliance" is neither a field nor a tag of "station_service"',
  ]);
});

test("every column a transformation, override or option names is one the panel's queries produce", (t) => {
  let checked = 0;
  for (const board of boards) {
    for (const panel of board.panels) {
      t.deepEqual(columnNameProblems(panel), [], `${board.title} / ${panel.title}`);
      checked += panel.transformations || panel.fieldConfig ? 1 : 0;
    }
  }
  t.true(checked > 10);
});

test('the column-name check catches a name the queries no longer produce', (t) => {
  const table = (query: string, extra: Record<string, unknown>): PanelJson => ({
    type: 'table',
    targets: [{ refId: 'A', query, resultFormat: 'table' }],
    ...extra,
  });
  const organize = (renameByName: Record<string, string>) => ({
    transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName } }],
  });
  const byName = (name: string) => ({ fieldConfig: { defaults: {}, overrides: [{ matcher: { id: 'byName', options: name }, properties: [] }] } });
  const query = 'SELECT last("open") AS "open" FROM "station_service" WHERE $timeFilter GROUP BY "station"';
  t.deepEqual([...resultNames(table(query, {}))], ['Time', 'station', 'open']);
  t.deepEqual(columnNameProblems(table(query, { ...organize({ station: 'S', open: 'O' }), ...byName('open') })), []);
  t.deepEqual(columnNameProblems(table(query.replace('"station"', '"district"'), organize({ station: 'S' }))), [
    'organize.renameByName "station" is not a name the queries produce (Time, district, open)',
  ]);
  t.deepEqual(columnNameProblems(table(query, byName('door_open'))), ['override byName "door_open" is not a name the queries produce (Time, station, open)']);
  // Subqueries' names do not reach the result; only the outer SELECT and GROUP BY do.
  t.deepEqual(columnNameProblems(table(`SELECT sum("open") AS "n" FROM (${query})`, byName('open'))), [
    'override byName "open" is not a name the queries produce (Time, n)',
  ]);
  // Time series are named by their alias.
  const series = (alias: string, extra: Record<string, unknown>): PanelJson => ({
    type: 'timeseries',
    targets: [{ refId: 'A', query: 'SELECT max("fault") AS "fault" FROM "appliance" GROUP BY time(1m), "appliance"', alias }],
    ...extra,
  });
  t.deepEqual(columnNameProblems(series('$tag_appliance', byName('fridge'))), []);
  t.regex(columnNameProblems(series('$tag_appliance', byName('appliance')))[0] ?? '', /override byName "appliance" is not a name/);
  t.deepEqual(columnNameProblems(series('$col', byName('fault'))), []);
  t.deepEqual(columnNameProblems(series('$col', { options: { xField: 'power_w' } })), ['options.xField "power_w" is not a name the queries produce (fault)']);

  // A field renamed in the queries (as a rename in domain/series.ts would) breaks the board's names.
  const stations = boards.find((b) => b.uid === 'qdyz-district-detail')!.panels[0]!;
  const renamed = { ...stations, targets: stations.targets!.map((q) => ({ ...q, query: String(q.query).replaceAll('"door_open"', '"door"') })) };
  t.deepEqual(columnNameProblems(stations), []);
  t.deepEqual(
    columnNameProblems(renamed).map((p) => p.split(' is not')[0]),
    ['organize.renameByName "door_open"', 'override byName "door_open"'],
  );
});

test("every daily GROUP BY, expanded as Grafana does at the board's range, starts days at local midnight", (t) => {
  let daily = 0;
  for (const board of boards) {
    const time = board.time as { from: string; to: string };
    for (const panel of board.panels) {
      const ctx: QueryContext = { from: relative(panel.timeFrom ? `now-${String(panel.timeFrom)}` : time.from), to: relative(time.to), variables: {} };
      for (const { refId, query } of queriesOf(panel)) {
        const influxql = expandQuery(query, panel, ctx);
        t.deepEqual(utcDayProblems(influxql), [], `${board.title} / ${panel.title} ${refId}: ${influxql}`);
        if (/time\(\d+d/.test(influxql)) daily++;
      }
    }
  }
  t.true(daily >= 6, `daily queries found: ${daily}`);
});

test('the local-day check catches days split at UTC midnight', (t) => {
  t.deepEqual(utcDayProblems('SELECT sum("entries") FROM "station_occupancy" GROUP BY time(1d, -8h), "district"'), []);
  t.deepEqual(utcDayProblems('SELECT sum("entries") FROM "station_occupancy" GROUP BY time(7d,16h)'), []);
  t.deepEqual(utcDayProblems('SELECT sum("entries") FROM "station_occupancy" GROUP BY time(30m), time(12h)'), []);
  t.deepEqual(utcDayProblems('SELECT sum("entries") FROM "station_occupancy" GROUP BY time(1d)'), [
    'time(1d) does not start days at local midnight (offset -8h)',
  ]);
  t.deepEqual(utcDayProblems('GROUP BY time(24h)'), ['time(24h) does not start days at local midnight (offset -8h)']);
  t.deepEqual(utcDayProblems('GROUP BY time(1d, 8h)'), ['time(1d, 8h) does not start days at local midnight (offset -8h)']);
  // A panel whose minimum interval is a day and whose query buckets by $__interval gets UTC days.
  const ctx: QueryContext = { from: Date.now() - 30 * 86_400_000, to: Date.now(), variables: {} };
  t.deepEqual(utcDayProblems(expandQuery('SELECT mean("fault") FROM "appliance" WHERE $timeFilter GROUP BY time($__interval)', { interval: '1d' }, ctx)), [
    'time(1d) does not start days at local midnight (offset -8h)',
  ]);
});

// --- every query against a real influxd filled by the simulator's station model ---

const SPAN_MS = 6 * 3600_000;
/** The simulator's live cadence (heartbeat and samples every minute), in coarser model steps. */
const SIM_TIMING = { stepMs: 60_000, heartbeatMs: 60_000, sampleMs: 60_000 };
let influxd: PrivateInfluxd;
let influx: Influx;
let now: number;

test.before(async () => {
  const registry = loadRegistryFile();
  // Four stations of every district keep the data small and still give every district rows.
  const stations = DISTRICTS.flatMap((d) => registry.inDistrict(d.code).slice(0, 4));
  // One private influxd, filled once, for all the board tests of this file.
  influxd = await startPrivateInfluxd();
  now = Date.now();
  influx = await connectInflux({ url: influxd.url, database: 'grafana_boards' }, logger);
  await influx.ensureDatabase();
  const spoolDir = await mkdtemp(join(tmpdir(), 'qdyz-grafana-spool-'));
  const writer = influx.writer({ spoolDir, batchSize: 5000 });
  // The simulator's own model generates the telemetry; each message goes through the same decoder
  // as in the ingest (a Last Will gets its send time, as the broker would stamp it on receipt).
  for (const station of stations) {
    for (const m of backfillMessages({ station, seed: 6, from: now - SPAN_MS, to: now, timing: SIM_TIMING })) {
      const decoded = decodeTelemetry(m.topic, Buffer.from(JSON.stringify(m.payload)), registry, m.ts);
      if (!decoded.ok) throw new Error(`simulator message rejected (${decoded.reason}): ${decoded.detail}`);
      writer.write(toPoint(decoded.message, station));
    }
  }
  for (const record of fixtureAlertRecords(stations, now)) writer.write(recordToPoint(record));
  await writer.close();
  // On a loaded machine a batch can time out at close and stay in the log: replay until influxd has it all.
  let pending = writer.pendingPoints;
  for (let round = 1; round <= 5 && pending > 0; round++) {
    await new Promise((resolve) => setTimeout(resolve, 1000 * round));
    const replayer = influx.writer({ spoolDir, batchSize: 5000 });
    await replayer.close();
    pending = replayer.pendingPoints;
  }
  if (pending > 0) throw new Error(`influxd did not take the fixture data (log ${spoolDir})`);
  await rm(spoolDir, { recursive: true, force: true });
});

test.after.always(async () => {
  await influx?.close();
  await influxd?.stop();
});

/** Grafana's relative times as the boards use them: now-24h, now-7d, now-30d. */
function relative(expr: string): number {
  if (expr === 'now') return now;
  const m = /^now-(\d+)([mhdw])$/.exec(expr);
  if (!m) throw new Error(`unsupported time ${expr}`);
  return now - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
}

/** Custom-variable options as Grafana parses `text : value, …`. */
const customOptions = (query: string): string[] => query.split(',').map((o) => (o.includes(' : ') ? o.split(' : ')[1]! : o).trim());

/**
 * The variables as Grafana resolves them on load: custom variables at their saved `current`,
 * query variables by running their (expanded) query and taking the first value.
 */
async function resolveVariables(board: DashboardJson, range: { from: number; to: number }, overrides: Record<string, string> = {}): Promise<QueryContext> {
  const ctx: QueryContext = { ...range, now, variables: {} };
  for (const v of board.templating.list) {
    const name = String(v.name);
    const setting: VariableSetting = { value: '', options: [], multi: v.multi === true, includeAll: v.includeAll === true };
    if (v.type === 'custom') {
      setting.options = customOptions(String(v.query));
      setting.value = overrides[name] ?? (v.current as { value: string | string[] }).value;
    } else if (v.type === 'query') {
      const rows = await influx.query(expandQuery(String(v.query), {}, ctx));
      setting.options = rows.map((r) => String(r.value));
      setting.value = overrides[name] ?? setting.options[0] ?? '';
    } else {
      throw new Error(`variable type ${String(v.type)} not handled by the test`);
    }
    ctx.variables[name] = setting;
  }
  return ctx;
}

const TAG_NAMES = new Set(CONTRACT.flatMap((s) => s.tags));

/** Rows with at least one value that is not time, a tag or null: a query that returns only empty buckets fails. */
const withValues = (rows: Array<Record<string, unknown>>): number =>
  rows.filter((r) => Object.entries(r).some(([k, v]) => k !== 'time' && !TAG_NAMES.has(k) && v !== null && v !== undefined)).length;

for (const board of boards) {
  test(`${board.title}: every query, expanded as Grafana does, runs on influxd and returns rows`, async (t) => {
    const time = board.time as { from: string; to: string };
    const range = { from: relative(time.from), to: relative(time.to) };
    const passes: Array<Record<string, string>> = [{}];
    // Boards on all districts are also checked with one district picked, the other common view.
    if (board.templating.list.some((v) => v.includeAll === true)) passes.push({ district: DISTRICTS[1]!.code });
    for (const overrides of passes) {
      const ctx = await resolveVariables(board, range, overrides);
      for (const v of variableQueries(board)) t.true(ctx.variables[v.name]!.options.length > 0, `$${v.name} has options`);
      for (const panel of board.panels) {
        // A panel's relative time ("last 30 days") replaces the board's range, as in Grafana.
        const panelCtx = panel.timeFrom ? { ...ctx, from: relative(`now-${String(panel.timeFrom)}`) } : ctx;
        for (const { refId, query } of queriesOf(panel)) {
          const influxql = expandQuery(query, panel, panelCtx);
          t.false(/\$\w/.test(influxql), `${panel.title} ${refId}: every macro and variable expanded: ${influxql}`);
          const rows = await influx.query(influxql);
          t.true(withValues(rows) > 0, `${panel.title} ${refId} (${JSON.stringify(overrides)}) returned no values: ${influxql}`);
        }
      }
    }
  });
}

test('a broken query fails on influxd the way Grafana would show it', async (t) => {
  const ctx: QueryContext = { from: now - SPAN_MS, to: now, now, variables: {} };
  // An unknown variable stays unexpanded, as in Grafana, and InfluxDB refuses the text.
  const influxql = expandQuery(
    'SELECT last("online") FROM "station_status" WHERE $timeFilter AND "district" =~ /^$nosuch$/ GROUP BY time($__interval)',
    {},
    ctx,
  );
  t.regex(influxql, /time >= \d+ms and time <= \d+ms/);
  t.regex(influxql, /GROUP BY time\(\d+[smhd]\)/);
  t.deepEqual(withValues(await influx.query(influxql)), 0);
  await t.throwsAsync(influx.query(expandQuery('SELECT mean("fault_code") FROM "appliance" WHERE $timeFilter', {}, ctx)), {
    message: /unsupported mean|mean/i,
  });
});
