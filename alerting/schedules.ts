import { join } from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import { districtByCode, type DistrictCode } from '../domain/districts.js';
import type { Registry } from '../domain/registry.js';
import { DAY_MS, localDateOf, TIMEZONE } from '../domain/schedule.js';
import { selfCheckLate } from '../domain/self-check.js';
import { writeJsonFileAtomic } from '../lib/json-file.js';
import type { Logger } from '../lib/logger.js';
import type { RulesConfig } from '../rules/rule-config.js';
import type { ManualRecords } from './manual-records.js';
import type { Notifier } from './notifier.js';
import { monthlySummary, renderLateSelfChecks, renderMonthly, renderSelfCheck, selfCheckDrafts } from './reports.js';
import type { AlertingService } from './service.js';
import type { AlertStore } from './store.js';

// The calendar of the alerting service, in Qingdao time: rollups just after midnight, the
// monthly summary on the 1st, the acceptance self-check draft on 1 June (the plan: districts
// self-check before July, report by the end of August, the city accepts in September), and on
// 1 July the districts whose self-check is late, to city staff.

export const CRON = {
  dailyRollup: '5 0 * * *',
  monthlySummary: '0 8 1 * *',
  selfCheckDraft: '0 9 1 6 *',
  selfCheckLate: '0 9 1 7 *',
} as const;

/** Days a missed rollup (service down at midnight) is caught up. */
const CATCH_UP_DAYS = 7;

export interface JobDeps {
  service: AlertingService;
  store: AlertStore;
  notifier: Notifier;
  /** When districts submitted their self-checks (the relational database). */
  records: Pick<ManualRecords, 'selfCheckSubmissions'>;
  registry: Registry;
  rules: RulesConfig;
  reportsDir: string;
  logger: Logger;
}

export function createJobs(d: JobDeps) {
  const nameOf = (code: Parameters<typeof districtByCode>[0]) => districtByCode(code).nameZh;
  const save = (name: string, data: unknown): string => {
    const file = join(d.reportsDir, name);
    writeJsonFileAtomic(file, data);
    return file;
  };
  return {
    /** Yesterday's rollup from raw data, plus any of the last days that has none (the service was down). */
    async dailyRollup(now: number): Promise<{ from: string; to: string }> {
      const have = new Set(d.service.rollups().map((r) => r.date));
      const to = localDateOf(now - DAY_MS);
      let from = to;
      for (let i = CATCH_UP_DAYS; i > 1; i--) {
        const date = localDateOf(now - i * DAY_MS);
        if (!have.has(date)) {
          from = date;
          break;
        }
      }
      await d.service.rollupRange(from, to);
      d.service.evaluate(now);
      return { from, to };
    },
    /** Previous month's open compliance per district, to each district and a city-wide one to city staff. */
    async monthlySummary(now: number) {
      const month = localDateOf(now - DAY_MS).slice(0, 7);
      const rollups = await d.store.loadRollups(`${month}-01`);
      const rows = monthlySummary(d.registry, rollups, d.service.compliance(), month, d.rules.compliance.threshold);
      for (const row of rows) d.notifier.send('district', row.district, renderMonthly([row], nameOf, 'district'));
      d.notifier.send('city', null, renderMonthly(rows, nameOf, 'city'));
      const file = save(`compliance-${month}.json`, rows);
      d.logger.info({ event: 'monthly_summary', month, file }, 'monthly compliance summary sent');
      return rows;
    },
    /** Self-check drafts (附件2) for every district, pre-scored from telemetry. */
    async selfCheckDraft(now: number) {
      const year = Number(localDateOf(now).slice(0, 4));
      const forms = selfCheckDrafts(d.registry, d.service.compliance(), d.service.list(), year);
      for (const f of forms) d.notifier.send('district', f.district as Parameters<typeof districtByCode>[0], renderSelfCheck(f));
      const file = save(`self-check-draft-${year}.json`, forms);
      d.logger.info({ event: 'self_check_draft', year, file }, 'acceptance self-check drafts prepared');
      return forms;
    },
    /** Districts (with stations) whose self-check of this year is late at `now`: to city staff, and a reminder to each of them. */
    async selfCheckLate(now: number): Promise<DistrictCode[]> {
      const year = Number(localDateOf(now).slice(0, 4));
      const submitted = await d.records.selfCheckSubmissions(year);
      const expected = new Set(d.registry.stations.filter((s) => s.yearBuilt <= year).map((s) => s.district));
      const late = [...expected].filter((code) => selfCheckLate(year, submitted.get(code), now)).sort();
      if (late.length > 0) {
        d.notifier.send('city', null, renderLateSelfChecks(year, late.map(nameOf)));
        for (const code of late) d.notifier.send('district', code, renderLateSelfChecks(year, [nameOf(code)]));
      }
      d.logger.info({ event: 'self_check_late', year, late }, `${late.length} district self-checks late`);
      return late;
    },
  };
}

export type Jobs = ReturnType<typeof createJobs>;

/** Registers the jobs with node-cron in Asia/Shanghai; returns the tasks (stop them on shutdown). */
export function scheduleJobs(jobs: Jobs, logger: Logger, now: () => number = Date.now): ScheduledTask[] {
  const task = (name: keyof typeof CRON, run: (now: number) => Promise<unknown>): ScheduledTask =>
    cron.schedule(
      CRON[name],
      async () => {
        try {
          await run(now());
        } catch (err) {
          logger.error({ err, job: name }, `scheduled job ${name} failed`);
        }
      },
      { timezone: TIMEZONE, name, noOverlap: true },
    );
  return [
    task('dailyRollup', jobs.dailyRollup),
    task('monthlySummary', jobs.monthlySummary),
    task('selfCheckDraft', jobs.selfCheckDraft),
    task('selfCheckLate', jobs.selfCheckLate),
  ];
}
