import type { ComplianceSnapshot, ComplianceTime } from '../../domain/alerts.js';
import { NO_TIME } from '../../rules/compliance.js';

// A station's compliance snapshot from its ratios, as the alerting service would report it: each
// window 10 scheduled hours a day, all of them watched, split open / offline by the ratio.

const H = 3_600_000;
const timeOf = (r: number | null, days: number): ComplianceTime => {
  const scheduledMs = r === null ? 0 : 10 * H * days;
  const openMs = Math.round(scheduledMs * (r ?? 0));
  return { ...NO_TIME, scheduledMs, openMs, offlineMs: scheduledMs - openMs };
};

export function complianceSnapshot(s: Omit<ComplianceSnapshot, 'coverage' | 'time'>): ComplianceSnapshot {
  const watched = (r: number | null) => (r === null ? null : 1);
  return {
    ...s,
    coverage: { today: watched(s.today), last30Days: watched(s.last30Days), yearToDate: watched(s.yearToDate) },
    time: { today: timeOf(s.today, 1), last30Days: timeOf(s.last30Days, 30), yearToDate: timeOf(s.yearToDate, 150) },
  };
}
