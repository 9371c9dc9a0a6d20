import test from 'ava';
import { createRequire } from 'node:module';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ComplianceSnapshot, ComplianceTime } from '../../domain/alerts.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { projectPath } from '../../lib/paths.js';
import { ensureDevUsers, parseUsersFile, userStore } from '../../dashboard-api/auth/users.js';
import { tempSqlite } from '../helpers/database.js';
import { buildProgress } from '../../dashboard-api/build-progress.js';
import { toCsv } from '../../dashboard-api/export-formats.js';
import { describeHours, navigationGeoJson, navigationRow } from '../../dashboard-api/navigation-export.js';
import { stateDelta } from '../../dashboard-api/live/state-delta.js';
import { judgeLive, offlineThresholds } from '../../dashboard-api/live-state.js';
import { applyTelemetry, initialState, type StationState } from '../../domain/station-state.js';
import type { Station } from '../../domain/station.js';
import { parseRulesConfig } from '../../rules/rule-config.js';
import { DistrictSummarySchema, FleetSummarySchema, fleetSummary, scheduledOpenCache } from '../../dashboard-api/fleet-summary.js';
import { effectiveSchedule } from '../../domain/schedule-requests.js';
import { isScheduledOpen } from '../../domain/schedule.js';
import { NO_TIME } from '../../rules/compliance.js';
import { complianceSnapshot } from '../helpers/compliance-snapshot.js';

const registry = loadRegistryFile();

test('the example users file is valid and role/district mismatches are named', (t) => {
  const users = parseUsersFile(JSON.parse(readFileSync(projectPath('config/users.example.json'), 'utf8')), 'example');
  t.true(users.some((u) => u.role === 'district-maintainer' && u.district === 'SN'));
  const bad = { version: 1, users: [{ username: 'x1', displayName: 'x', role: 'district-maintainer', passwordHash: users[0]!.passwordHash }] };
  t.throws(() => parseUsersFile(bad, 'bad'), { message: /users\.0\.district: a district-maintainer needs a district/ });
  const plain = { version: 1, users: [{ ...users[0], passwordHash: 'hunter2' }] };
  t.throws(() => parseUsersFile(plain, 'plain'), { message: /passwordHash/ });
});

test('a database without users gets dev users whose generated passwords work, once', async (t) => {
  const database = await tempSqlite();
  t.teardown(() => database.close());
  const passwordsFile = join(database.dir, 'users.passwords.json');
  t.is(await ensureDevUsers(database.db, passwordsFile, 1), passwordsFile);
  t.is((await database.db.selectFrom('users').select('username').execute()).length, 14);
  t.is(statSync(passwordsFile).mode & 0o777, 0o600);
  const passwords = JSON.parse(readFileSync(passwordsFile, 'utf8')) as Record<string, string>;
  const store = userStore(database.db);
  t.like(await store.authenticate('maint-lc', passwords['maint-lc']!), { role: 'district-maintainer', district: 'LC' });
  t.is(await store.authenticate('maint-lc', passwords['admin']!), null);
  t.is(await store.authenticate('nobody', passwords['admin']!), null);
  const stored = await database.db.selectFrom('users').select('password_hash').where('username', '=', 'admin').executeTakeFirstOrThrow();
  t.false(stored.password_hash.includes(passwords['admin']!));
  t.is(await ensureDevUsers(database.db, passwordsFile, 2), null, 'users exist: nothing generated');
});

test('CSV exports carry a BOM, quote separators and defuse formulas', (t) => {
  const csv = toCsv(
    ['a', 'b'],
    [
      ['=HYPERLINK("x")', '中文,逗号'],
      ['-1+2', 'line\nbreak'],
    ],
  );
  t.true(csv.startsWith('\uFEFFa,b\r\n'));
  t.true(csv.includes(`"'=HYPERLINK(""x"")","中文,逗号"`));
  t.true(csv.includes(`'-1+2,"line\nbreak"`));
});

test('navigation rows: hours in Chinese, GeoJSON in lon/lat order, unknown open state is null', (t) => {
  const s = registry.get('SN-0001')!;
  t.is(describeHours(s.openingHours), '每天 06:30-20:00');
  t.is(describeHours({ type: '24h', closedDates: [] }), '全天24小时');
  const row = navigationRow(s, judgeLive(initialState(s), Date.now(), 90_000));
  t.is(row.openNow, null);
  t.is(row.contact, s.responsiblePerson.name);
  t.like(row, { district: '市南区', districtCode: 'SN', coordinateSystem: 'GCJ-02', wgs84: s.location });
  // GCJ-02 is offset from WGS-84 by a few hundred metres in Qingdao: the table converts, it does not relabel.
  const gcoord = createRequire(import.meta.url)('gcoord');
  const [gLon, gLat] = gcoord.transform([s.location.lon, s.location.lat], gcoord.WGS84, gcoord.GCJ02) as [number, number];
  t.true(Math.abs(row.lat - gLat) < 1e-5 && Math.abs(row.lon - gLon) < 1e-5);
  t.true(Math.abs(row.lon - s.location.lon) > 0.003, 'converted');
  const geo = navigationGeoJson([row]) as { coordinateSystem: string; features: Array<{ geometry: { coordinates: number[] } }> };
  t.is(geo.coordinateSystem, 'WGS-84');
  t.deepEqual(geo.features[0]!.geometry.coordinates, [s.location.lon, s.location.lat]);
});

test('build progress counts per plan year against targets', (t) => {
  const p = buildProgress(registry.stations, ['SN'], true);
  t.is(p.city!.total, 600);
  t.deepEqual(
    p.city!.years.map((y) => y.target),
    [100, 200, 300],
  );
  t.is(p.city!.years.at(-1)!.cumulative, registry.stations.filter((s) => s.yearBuilt <= 2021).length);
  t.is(p.districts[0]!.years[0]!.target, 10);
  t.is(p.districts[0]!.years[1]!.target, null);
  // The plan's own arithmetic is explained where it shows: 105 against 100, then 295 of 300.
  t.deepEqual(
    p.city!.notes.map((n) => n.zh),
    ['规划正文2019年目标为100座，附件1分配表各单位合计105座：按分配表建设', '2021年新建295座，少于当年目标300座：此前已建305座，累计600座已达累计目标600座'],
  );
});

test('state deltas carry only what changed', (t) => {
  const s = initialState(registry.get('SN-0001')!);
  t.is(stateDelta(s, s), null);
  const next = { ...s, people: 3, appliances: { fridge: { on: true, powerW: 80, faultCode: null, at: 1 } } };
  t.deepEqual(stateDelta(s, next), { people: 3, appliances: { fridge: { on: true, powerW: 80, faultCode: null, at: 1 } } });
});

test('online and open now count missed heartbeats like the station_offline rule, with its per-district threshold', (t) => {
  const [a, b, c] = registry.inDistrict('SN');
  const now = Date.UTC(2026, 5, 1, 4, 0);
  const heard = (s: Station, ts: number): StationState =>
    applyTelemetry(
      applyTelemetry(initialState(s), { channel: 'status', stationId: s.id, ts, data: { station: s.id, ts, online: true, reason: 'heartbeat' } }),
      { channel: 'service', stationId: s.id, ts, data: { station: s.id, ts, open: true, door: 'open' } },
    );
  // a: heard 30 s ago; b: online and open by its last word, but silent for 5 min; c: never heard.
  const states = new Map([
    [a!.id, heard(a!, now - 30_000)],
    [b!.id, heard(b!, now - 300_000)],
  ]);
  const rules = parseRulesConfig({ version: 1 });
  const offlineAfterMs = offlineThresholds(rules, registry.stations);
  const sn = fleetSummary({ stations: registry.stations, scheduledOpen: new Set(), states, alerts: [], compliance: new Map(), now, offlineAfterMs }, ['SN'])
    .districts[0]!;
  t.like(sn, { online: 1, offline: 1, unknown: registry.inDistrict('SN').length - 2, openNow: 1 });
  t.deepEqual(judgeLive(states.get(b!.id), now, offlineAfterMs(b!.id)), { live: 'offline', open: false });
  t.deepEqual(judgeLive(undefined, now, 90_000), { live: 'unknown', open: false });
  t.is(navigationRow(b!, judgeLive(states.get(b!.id), now, offlineAfterMs(b!.id))).openNow, false);
  t.is(navigationRow(c!, judgeLive(states.get(c!.id), now, offlineAfterMs(c!.id))).openNow, null);

  // A district whose stations beat every 10 min is still online after 5 min of silence; other districts keep 90 s.
  const slow = parseRulesConfig({ version: 1, overrides: [{ district: 'SN', rule: 'station_offline', set: { params: { heartbeatIntervalS: 600 } } }] });
  const slowAfter = offlineThresholds(slow, registry.stations);
  t.is(slowAfter(b!.id), 900_000);
  t.is(slowAfter(registry.inDistrict('SB')[0]!.id), 90_000);
  t.deepEqual(judgeLive(states.get(b!.id), now, slowAfter(b!.id)), { live: 'online', open: true });
});

test('"open now / scheduled open now" counts only stations scheduled open; those open outside their hours are counted apart', (t) => {
  // The screenshot that read "正在开放 15 / 14": 14 scheduled open, all open, and one more open outside its hours.
  const sn = registry.inDistrict('SN').slice(0, 16);
  const now = Date.UTC(2026, 5, 1, 4, 0);
  const open = (s: Station): StationState =>
    applyTelemetry(
      applyTelemetry(initialState(s), { channel: 'status', stationId: s.id, ts: now, data: { station: s.id, ts: now, online: true, reason: 'heartbeat' } }),
      { channel: 'service', stationId: s.id, ts: now, data: { station: s.id, ts: now, open: true, door: 'open' } },
    );
  // Scheduled: the first 14, of which 13 are open (the 14th silent); open outside hours: the 15th and 16th.
  const scheduledOpen = new Set(sn.slice(0, 14).map((s) => s.id));
  const states = new Map([...sn.slice(0, 13), ...sn.slice(14)].map((s) => [s.id, open(s)]));
  const row = fleetSummary({ stations: registry.stations, scheduledOpen, states, alerts: [], compliance: new Map(), now, offlineAfterMs: () => 90_000 }, ['SN'])
    .districts[0]!;
  t.like(row, { scheduledOpenNow: 14, openInHours: 13, openOutsideHours: 2, openNow: 15 });
  t.true(row.openInHours <= row.scheduledOpenNow);
  t.true(DistrictSummarySchema.safeParse(row).success);
});

/** A station's compliance snapshot with the same time in every window. */
const snapOfTime = (s: Station, time: ComplianceTime): ComplianceSnapshot => ({
  ...complianceSnapshot({
    stationId: s.id,
    district: s.district,
    today: null,
    last30Days: null,
    yearToDate: null,
    failingOpenAllYear: false,
    facility: { percent: 100, missing: [], faulted: [], notReporting: [], unattested: [] },
  }),
  time: { today: time, last30Days: time, yearToDate: time },
});

test('the district figure is pooled time (Σopen ÷ Σscheduled over its stations), with coverage and the not-open time beside it', (t) => {
  const [a, b] = registry.inDistrict('SN');
  const H = 3_600_000;
  // a: 2 h scheduled, all open; b: 8 h watched, 1 h reported closed, 7 h offline, 2 h more not watched.
  const compliance = new Map([
    [a!.id, snapOfTime(a!, { ...NO_TIME, scheduledMs: 2 * H, openMs: 2 * H })],
    [b!.id, snapOfTime(b!, { ...NO_TIME, scheduledMs: 8 * H, closedMs: H, offlineMs: 7 * H, uncoveredMs: 2 * H })],
  ]);
  const sn = fleetSummary(
    { stations: registry.stations, scheduledOpen: new Set(), states: new Map(), alerts: [], compliance, now: 0, offlineAfterMs: () => 90_000 },
    ['SN'],
  ).districts[0]!;
  t.deepEqual(sn.compliance, { today: 0.2, last30Days: 0.2, yearToDate: 0.2 }, 'pooled: 2 h of 10 h (the mean of ratios would say 0.5)');
  t.deepEqual(sn.coverage, { today: 10 / 12, last30Days: 10 / 12, yearToDate: 10 / 12 });
  t.deepEqual(sn.notOpen, { closedMs: H, offlineMs: 7 * H, uncoveredMs: 2 * H, declaredClosedMs: 0 });
  t.true(DistrictSummarySchema.safeParse(sn).success);
});

test('the city figure over several districts is their pooled time too, not a mean of the district figures', (t) => {
  const [a] = registry.inDistrict('SN');
  const [c] = registry.inDistrict('SB');
  const H = 3_600_000;
  // SN: 2 h open of 10 h; SB: 30 h open of 30 h. Pooled: 32 of 40 h; the districts' mean would say 0.6.
  const compliance = new Map([
    [a!.id, snapOfTime(a!, { ...NO_TIME, scheduledMs: 10 * H, openMs: 2 * H, offlineMs: 8 * H })],
    [c!.id, snapOfTime(c!, { ...NO_TIME, scheduledMs: 30 * H, openMs: 30 * H, uncoveredMs: 10 * H })],
  ]);
  const summary = fleetSummary(
    { stations: registry.stations, scheduledOpen: new Set(), states: new Map(), alerts: [], compliance, now: 0, offlineAfterMs: () => 90_000 },
    ['SN', 'SB'],
  );
  t.deepEqual(
    summary.districts.map((d) => d.compliance.today),
    [0.2, 1],
  );
  t.deepEqual(summary.all.compliance, { today: 0.8, last30Days: 0.8, yearToDate: 0.8 });
  t.deepEqual(summary.all.coverage, { today: 0.8, last30Days: 0.8, yearToDate: 0.8 });
  t.true(FleetSummarySchema.safeParse(summary).success);
});

test('"scheduled open now" follows the schedule the alerting service judges: an approved closure today takes the station out', (t) => {
  const registry = loadRegistryFile();
  const now = Date.parse('2026-05-06T12:00:00+08:00');
  const station = registry.stations.find((s) => isScheduledOpen(s.openingHours, now))!;
  const closed = effectiveSchedule(station.openingHours, [
    { kind: 'closure', from: '2026-05-06', to: '2026-05-06', reason: 'power_cut', seq: 1, state: 'approved' },
  ]);
  const registryHours = scheduledOpenCache((s) => s.openingHours)(registry.stations, now);
  const judged = scheduledOpenCache((s) => (s.id === station.id ? closed : s.openingHours))(registry.stations, now);
  t.true(registryHours.has(station.id));
  t.false(judged.has(station.id));
  t.is(judged.size, registryHours.size - 1);
});
