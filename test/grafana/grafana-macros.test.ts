import test from 'ava';
import { expandQuery, formatInterval, panelIntervalMs, roundInterval, type QueryContext } from './grafana-macros.js';

// The expansion the board tests rely on must match Grafana's own, or they would test other text.

const from = Date.UTC(2026, 10, 24, 0, 0);
const ctx = (variables: QueryContext['variables'] = {}): QueryContext => ({ from, to: from + 6 * 3_600_000, variables });
const district = (value: string | string[]) => ({ value, options: ['SN', 'SB', 'LC'], multi: true, includeAll: true });

test('$timeFilter becomes an epoch-ms range, as the InfluxDB backend writes it', (t) => {
  t.is(expandQuery('WHERE $timeFilter', {}, ctx()), `WHERE time >= ${from}ms and time <= ${from + 6 * 3_600_000}ms`);
});

test('$__interval, $interval and $__interval_ms follow the range, the panel width and the panel minimum', (t) => {
  // 6 h over ~1000 px = 21.6 s → rounded to 20 s.
  t.is(expandQuery('time($__interval) time($interval) $__interval_ms', {}, ctx()), 'time(20s) time(20s) 20000');
  t.is(expandQuery('time($__interval)', { interval: '5m' }, ctx()), 'time(5m)');
  t.is(expandQuery('time($__interval)', { maxDataPoints: 10 }, ctx()), 'time(30m)');
  t.is(panelIntervalMs(0, 30 * 86_400_000, {}), 1_800_000);
});

test('Grafana rounding and formatting of intervals', (t) => {
  t.is(roundInterval(21_600), 20_000);
  t.is(roundInterval(2_592_000), 1_800_000);
  t.is(roundInterval(3_000_000), 3_600_000);
  t.is(roundInterval(100_000_000), 86_400_000);
  t.is(formatInterval(86_400_000), '1d');
  t.is(formatInterval(90_000), '1m');
  t.is(formatInterval(500), '500ms');
});

test('multi-value and All selections become an escaped regex group; single values stay as they are', (t) => {
  const q = '"district" =~ /^$district$/';
  t.is(expandQuery(q, {}, ctx({ district: district('$__all') })), '"district" =~ /^(SN|SB|LC)$/');
  t.is(expandQuery(q, {}, ctx({ district: district(['SN', 'LC']) })), '"district" =~ /^(SN|LC)$/');
  t.is(expandQuery(q, {}, ctx({ district: district(['SN']) })), '"district" =~ /^SN$/');
  t.is(expandQuery(q, {}, ctx({ district: district('a.b') })), '"district" =~ /^a\\.b$/');
  const single = { value: 'SN-0001', options: ['SN-0001'], multi: false, includeAll: false };
  t.is(
    expandQuery(`"station" = '$station' AND '\${station}' AND '[[station]]'`, {}, ctx({ station: single })),
    `"station" = 'SN-0001' AND 'SN-0001' AND 'SN-0001'`,
  );
});

test('unknown variables are left in place, as Grafana leaves them', (t) => {
  t.is(expandQuery('/^$nosuch$/', {}, ctx()), '/^$nosuch$/');
});

test('now() is sent as it is, or pinned to the database clock a test gives', (t) => {
  const query = 'SELECT sum("open_ms") FROM "compliance_daily" WHERE time > now() - 30d';
  t.is(expandQuery(query, {}, ctx()), query);
  t.is(expandQuery(query, {}, { ...ctx(), now: from }), `SELECT sum("open_ms") FROM "compliance_daily" WHERE time > ${from}ms - 30d`);
});
