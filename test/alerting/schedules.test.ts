import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAY_MS, midnightOfDate, scheduledIntervals, totalMs, TZ_OFFSET_MS } from '../../domain/schedule.js';
import { parseRulesConfig } from '../../rules/rule-config.js';
import { parseNotificationConfig } from '../../alerting/notification-config.js';
import { createNotifier } from '../../alerting/notifier.js';
import { manualRecords } from '../../alerting/manual-records.js';
import { createJobs, CRON, scheduleJobs } from '../../alerting/schedules.js';
import { withInfluxd } from '../helpers/influxd.js';
import { Registry as MetricsRegistry } from 'prom-client';
import { logger, smallRegistry, startHarness, tm } from './harness.js';
import { startHttpReceiver } from './receivers.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const fixture = withInfluxd(test);
const H = 3_600_000;

test('the jobs are scheduled in Qingdao time: 00:05 daily, 08:00 on the 1st, 09:00 on 1 June and on 1 July (the plan: self-check before July)', async (t) => {
  const calls: string[] = [];
  const jobs = {
    dailyRollup: async () => void calls.push('d'),
    monthlySummary: async () => void calls.push('m'),
    selfCheckDraft: async () => void calls.push('s'),
    selfCheckLate: async () => void calls.push('l'),
  };
  const tasks = scheduleJobs(jobs as unknown as Parameters<typeof scheduleJobs>[0], logger);
  t.teardown(() => Promise.all(tasks.map((x) => x.stop())));
  const local = (d: Date) => new Date(d.getTime() + TZ_OFFSET_MS).toISOString();
  const [daily, monthly, june, july] = tasks.map((x) => local(x.getNextRun()!));
  t.regex(daily!, /T00:05:00\.000Z$/);
  t.regex(monthly!, /-01T08:00:00\.000Z$/);
  t.regex(june!, /-06-01T09:00:00\.000Z$/);
  t.regex(july!, /-07-01T09:00:00\.000Z$/);
  t.deepEqual(Object.keys(CRON), ['dailyRollup', 'monthlySummary', 'selfCheckDraft', 'selfCheckLate']);
  t.deepEqual(calls, []);
});

test('daily rollup catches up missed days; monthly summary and June self-check reach districts and city staff', async (t) => {
  const receiver = await startHttpReceiver();
  t.teardown(() => receiver.close());
  const start = midnightOfDate('2026-07-01') + 8 * H;
  // The platform has been watching since before the caught-up week.
  const h = await startHarness({
    url: fixture.influxd().url,
    database: fixture.newDatabase('jobs'),
    receiver,
    start,
    coveredSince: midnightOfDate('2026-06-20'),
  });
  t.teardown(() => h.close());
  // Three June days of SN-0001 raw telemetry: open and heartbeating from 08:00 to 14:00.
  const messages = [];
  for (const day of ['2026-06-28', '2026-06-29', '2026-06-30']) {
    const m = midnightOfDate(day);
    messages.push(tm.service('SN-0001', m + 8 * H, true), tm.service('SN-0001', m + 14 * H, false));
    for (let x = m + 8 * H; x < m + 14 * H; x += 60_000) messages.push(tm.heartbeat('SN-0001', x));
  }
  await h.ingest(messages);

  const reportsDir = scratchDir('reports-');
  const rules = parseRulesConfig({ version: 1 });
  const notifier = createNotifier({
    config: parseNotificationConfig({
      version: 1,
      city: [{ type: 'webhook', url: receiver.url('/hook/city') }],
      districts: { SN: [{ type: 'webhook', url: receiver.url('/hook/SN') }] },
    }),
    groupWaitMs: 0,
    logger,
    metrics: new MetricsRegistry(),
  });
  const records = manualRecords(h.records.db);
  const jobs = createJobs({ service: h.service, store: h.store, notifier, records, registry: smallRegistry, rules, reportsDir, logger });

  const range = await jobs.dailyRollup(start);
  t.deepEqual(range, { from: '2026-06-24', to: '2026-06-30' }, 'nothing rolled up yet: the last week is caught up');
  const june30 = h.service.rollups().find((r) => r.stationId === 'SN-0001' && r.date === '2026-06-30')!;
  // SN-0001 is scheduled 08:00-21:30; open and online 08:00-14:00 (+90 s of the last heartbeat, but closed by then).
  t.is(june30.scheduledMs, 13.5 * H);
  t.is(june30.openMs, 6 * H);
  t.deepEqual(await jobs.dailyRollup(start + DAY_MS), { from: '2026-07-01', to: '2026-07-01' });

  const rows = await jobs.monthlySummary(start);
  const sn = rows.find((r) => r.district === 'SN')!;
  t.is(sn.month, '2026-06');
  // Only the caught-up week of June is rolled up: SN-0001 open 3 × 6 h; SN-0002 (never heard) none.
  const weekFrom = midnightOfDate('2026-06-24');
  const scheduledSN2 = totalMs(scheduledIntervals(smallRegistry.get('SN-0002')!.openingHours, weekFrom, weekFrom + 7 * DAY_MS));
  t.is(sn.compliance, (3 * 6 * H) / (7 * 13.5 * H + scheduledSN2));
  t.deepEqual(sn.failing.map((f) => f.stationId).sort(), ['SN-0001', 'SN-0002']);
  t.deepEqual(JSON.parse(readFileSync(join(reportsDir, 'compliance-2026-06.json'), 'utf8')), rows);

  const forms = await jobs.selfCheckDraft(start);
  t.is(forms.length, 12);
  t.is(forms[0]!.year, 2026);

  // Late self-checks, judged on the injected clock: SN submitted on 30 June, SB on 1 July (late), the rest never.
  const submit = (district: string, at: number) =>
    h.records.db
      .insertInto('self_checks')
      .values({ district, year: 2026, state: 'submitted', submitted_by: 'm', submitted_at: at, submitted_form: '{}' })
      .execute();
  await submit('SN', midnightOfDate('2026-06-30') + 20 * H);
  const districts = [...new Set(smallRegistry.stations.map((s) => s.district))].sort();
  t.deepEqual(await jobs.selfCheckLate(midnightOfDate('2026-07-01') - 1), [], 'on 30 June nobody is late yet');
  await submit('SB', midnightOfDate('2026-07-01') + H);
  const late = await jobs.selfCheckLate(start);
  t.deepEqual(
    late,
    districts.filter((d) => d !== 'SN'),
  );
  t.true(late.includes('SB'), 'submitted after 1 July began');
  await notifier.close();
  const sent = receiver.received.map((r) => `${r.path}:${r.body.title}`);
  t.true(
    sent.some((s) => s.startsWith('/hook/SN:【驿站月报】2026-06 市南区')),
    sent.join('\n'),
  );
  t.true(sent.some((s) => s.startsWith('/hook/city:【驿站月报】2026-06 全市')));
  t.true(sent.some((s) => s.startsWith('/hook/SN:【验收自查草稿】2026 市南区')));
  const lateNotice = receiver.received.find((r) => r.path === '/hook/city' && String(r.body.title).startsWith('【验收自查逾期】2026'));
  t.truthy(lateNotice, sent.join('\n'));
  t.regex(String(lateNotice!.body.text), /市北区/);
  t.notRegex(String(lateNotice!.body.text), /市南区/);
  t.false(
    sent.some((s) => s.includes('市北区') && s.startsWith('/hook/SN')),
    'SN receives nothing of SB',
  );
});
