import { DAY_MS, localDateOf } from '../domain/schedule.js';
import { figuresWithToday, pastTotals, type ComplianceFigures, type DailyRollup, type PastTotals } from '../rules/compliance.js';
import type { RulesConfig } from '../rules/rule-config.js';

// The daily rollups the service holds (this year and the rolling window), and each station's
// compliance over them. The past days' totals of a station are folded once and kept until its
// next rollup or the next local day: judging a station on every telemetry message adds only
// the live day instead of re-folding up to a year of rollups.

export interface Figures extends ComplianceFigures {
  today: DailyRollup;
  /** The complete-days window as the open-all-year rule judges it; null until there are enough days. */
  judged: number | null;
}

export interface ComplianceBook {
  all(): readonly DailyRollup[];
  /** Adds rollups, replacing any of the same station and date. */
  merge(rollups: readonly DailyRollup[]): void;
  /** Drops the rollups before the period kept at `now` (at a new local day). */
  forgetOld(now: number): void;
  figures(stationId: string, today: DailyRollup, now: number): Figures;
}

/** The first date kept at `now`: this year's and the rolling window's, whichever is earlier. */
export function keptSince(config: RulesConfig['compliance'], now: number): string {
  const windowStart = localDateOf(now - config.windowDays * DAY_MS);
  const yearStart = `${localDateOf(now).slice(0, 4)}-01-01`;
  return windowStart < yearStart ? windowStart : yearStart;
}

export function createComplianceBook(config: RulesConfig['compliance'], initial: readonly DailyRollup[]): ComplianceBook {
  let all: DailyRollup[] = [];
  const byStation = new Map<string, DailyRollup[]>();
  const past = new Map<string, PastTotals>();

  function index(rollups: DailyRollup[]): void {
    all = rollups;
    byStation.clear();
    for (const r of all) {
      const list = byStation.get(r.stationId);
      if (list) list.push(r);
      else byStation.set(r.stationId, [r]);
    }
  }
  index([...initial]);

  return {
    all: () => all,
    merge(rollups) {
      const replaced = new Set(rollups.map((r) => `${r.stationId}:${r.date}`));
      index([...all.filter((r) => !replaced.has(`${r.stationId}:${r.date}`)), ...rollups]);
      for (const r of rollups) past.delete(r.stationId);
    },
    forgetOld(now) {
      const since = keptSince(config, now);
      index(all.filter((r) => r.date >= since));
    },
    figures(stationId, today, now) {
      let p = past.get(stationId);
      if (p?.today !== today.date) past.set(stationId, (p = pastTotals(byStation.get(stationId) ?? [], now, config.windowDays)));
      const f = figuresWithToday(p, today);
      // Judged on complete days only, and only once there are enough of them: a partial first day says little.
      return { today, ...f, judged: f.completeDays >= config.minDays ? f.completeWindow : null };
    },
  };
}
