import test from 'ava';
import { createComplianceBook } from '../../alerting/compliance-book.js';
import { DAY_MS, localDateOf } from '../../domain/schedule.js';
import { complianceFigures, NO_TIME, type DailyRollup } from '../../rules/compliance.js';
import { parseRulesConfig } from '../../rules/rule-config.js';
import { at, H } from '../rules/timeline.js';

const config = parseRulesConfig({ version: 1 }).compliance;

/** A year and a bit of rollups of two stations, each day open a different share of a 10 h schedule. */
function year(): DailyRollup[] {
  const out: DailyRollup[] = [];
  for (let d = at('2025-11-01T12:00:00'); d < at('2026-12-16T00:00:00'); d += DAY_MS) {
    const k = Math.round(d / DAY_MS);
    for (const stationId of ['SN-0001', 'SN-0002'] as const)
      out.push({
        ...NO_TIME,
        stationId,
        district: 'SN',
        date: localDateOf(d),
        scheduledMs: 10 * H,
        openMs: ((k * 7 + stationId.length) % 11) * H * 0.9,
        uncoveredMs: (k % 3) * H,
      });
  }
  return out;
}
const live = (stationId: string, now: number, openMs: number): DailyRollup => ({
  ...NO_TIME,
  stationId,
  district: 'SN',
  date: localDateOf(now),
  scheduledMs: 6 * H,
  openMs,
  uncoveredMs: H,
});

test('the kept compliance equals a fold of all rollups, across telemetry, a new rollup, a new day and old days dropped', (t) => {
  let all = year();
  const book = createComplianceBook(config, all);
  const expect = (stationId: string, today: DailyRollup, now: number) => {
    const f = complianceFigures(
      all.filter((r) => r.stationId === stationId),
      today,
      now,
      config.windowDays,
    );
    return { today, ...f, judged: f.completeDays >= config.minDays ? f.completeWindow : null };
  };
  let now = at('2026-12-15T16:00:00');
  for (const open of [0, H, 3 * H]) t.deepEqual(book.figures('SN-0001', live('SN-0001', now, open), now), expect('SN-0001', live('SN-0001', now, open), now));

  // The cron rewrites yesterday of one station from raw data: its figures change, the other's do not.
  const redone: DailyRollup = { ...NO_TIME, stationId: 'SN-0001', district: 'SN', date: '2026-12-14', scheduledMs: 10 * H, openMs: 0 };
  const before = book.figures('SN-0001', live('SN-0001', now, H), now);
  all = [...all.filter((r) => !(r.stationId === 'SN-0001' && r.date === '2026-12-14')), redone];
  book.merge([redone]);
  const after = book.figures('SN-0001', live('SN-0001', now, H), now);
  t.deepEqual(after, expect('SN-0001', live('SN-0001', now, H), now));
  t.true(after.last30Days! < before.last30Days!);
  t.deepEqual(book.figures('SN-0002', live('SN-0002', now, H), now), expect('SN-0002', live('SN-0002', now, H), now));

  // Next local day (and next year): the windows move without any new rollup.
  for (now of [at('2026-12-16T09:00:00'), at('2027-01-01T09:00:00')]) {
    for (const id of ['SN-0001', 'SN-0002']) t.deepEqual(book.figures(id, live(id, now, 2 * H), now), expect(id, live(id, now, 2 * H), now));
  }
  book.forgetOld(now);
  t.true(book.all().every((r) => r.date >= '2026-12-02'));
  t.deepEqual(book.figures('SN-0001', live('SN-0001', now, 2 * H), now), expect('SN-0001', live('SN-0001', now, 2 * H), now));
});

test("a station's past rollups are folded once per local day and after each of its rollups, not on every judgement", (t) => {
  let reads = 0;
  const counted = year().map((r) => {
    const { openMs, ...rest } = r;
    return Object.defineProperty({ ...rest }, 'openMs', { enumerable: true, get: () => (reads++, openMs) }) as DailyRollup;
  });
  const perStation = counted.filter((r) => r.stationId === 'SN-0001').length;
  const book = createComplianceBook(config, counted);
  const now = at('2026-12-15T16:00:00');
  for (let k = 0; k < 1000; k++) book.figures('SN-0001', live('SN-0001', now + k, k), now + k);
  t.true(reads <= perStation, `${reads} reads of ${perStation} rollups for 1000 judgements`);

  reads = 0;
  book.merge([{ ...NO_TIME, stationId: 'SN-0002', district: 'SN', date: '2026-12-14', scheduledMs: 10 * H, openMs: 0 }]);
  book.figures('SN-0001', live('SN-0001', now, 0), now);
  t.is(reads, 0, 'another station’s rollup leaves this one’s figures kept');
  book.merge([{ ...NO_TIME, stationId: 'SN-0001', district: 'SN', date: '2026-12-14', scheduledMs: 10 * H, openMs: 0 }]);
  for (let k = 0; k < 100; k++) book.figures('SN-0001', live('SN-0001', now, 0), now);
  t.true(reads > 0 && reads <= perStation);
});
