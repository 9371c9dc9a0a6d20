import type { Alert, ComplianceSnapshot } from '../domain/alerts.js';
import { DISTRICTS, type DistrictCode } from '../domain/districts.js';
import type { Registry } from '../domain/registry.js';
import { selfCheckDueDate } from '../domain/self-check.js';
import type { ComplianceTime } from '../domain/alerts.js';
import { acceptanceForm, liveEvidence, type AcceptanceForm } from '../rules/acceptance-form.js';
import { complianceOf, coverageOf, pooledTime, type DailyRollup } from '../rules/compliance.js';
import { districtFacilityPercent } from '../rules/facility.js';
import type { RenderedMessage } from './messages.js';

// The scheduled reports: the monthly open-compliance summary per district, and the June
// acceptance self-check draft (附件2; the plan wants the self-check before July), pre-filled with
// what telemetry evidences. Pure.

export interface DistrictMonth {
  district: DistrictCode;
  month: string;
  stations: number;
  /** Pooled time: Σopen ÷ Σscheduled over the month and the district's stations (watched time only), null when nothing was scheduled. */
  compliance: number | null;
  /** Watched ÷ all scheduled time. */
  coverage: number | null;
  /** Where the scheduled time went (ms). */
  time: ComplianceTime;
  /** Stations whose own monthly compliance is below the threshold, worst first. */
  failing: Array<{ stationId: string; compliance: number }>;
  facilityPercent: number | null;
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

/** `month` is YYYY-MM (local). */
export function monthlySummary(
  registry: Registry,
  rollups: readonly DailyRollup[],
  snapshots: readonly ComplianceSnapshot[],
  month: string,
  threshold: number,
): DistrictMonth[] {
  const days = new Map<string, DailyRollup[]>();
  for (const r of rollups) if (r.date.startsWith(`${month}-`)) days.set(r.stationId, [...(days.get(r.stationId) ?? []), r]);
  return DISTRICTS.map(({ code }) => {
    const stations = registry.inDistrict(code);
    const perStation = stations.flatMap((s) => (days.has(s.id) ? [{ stationId: s.id, time: pooledTime(days.get(s.id)!) }] : []));
    const failing: DistrictMonth['failing'] = [];
    for (const { stationId, time } of perStation) {
      const c = complianceOf(time);
      if (c !== null && c < threshold) failing.push({ stationId, compliance: c });
    }
    failing.sort((a, b) => a.compliance - b.compliance);
    const time = pooledTime(perStation.map((p) => p.time));
    const facility = snapshots.filter((x) => x.district === code).map((x) => x.facility);
    return {
      district: code,
      month,
      stations: stations.length,
      compliance: complianceOf(time),
      coverage: coverageOf(time),
      time,
      failing,
      facilityPercent: districtFacilityPercent(facility),
    };
  });
}

export function renderMonthly(rows: readonly DistrictMonth[], nameOf: (d: DistrictCode) => string, audience: 'district' | 'city'): RenderedMessage {
  const month = rows[0]?.month ?? '';
  const title =
    audience === 'city' ? `【驿站月报】${month} 全市常年正常开放达标情况` : `【驿站月报】${month} ${nameOf(rows[0]!.district)} 常年正常开放达标情况`;
  const lines = rows.map((r) => {
    const worst = r.failing
      .slice(0, 5)
      .map((f) => `${f.stationId} ${pct(f.compliance)}`)
      .join('、');
    return `- **${nameOf(r.district)}**：开放率 ${pct(r.compliance)}（监测覆盖 ${pct(r.coverage)}），未达标 ${r.failing.length}/${r.stations} 站${worst ? `（${worst}）` : ''}，设施完备率 ${r.facilityPercent ?? '—'}%\n  open ${pct(r.compliance)} (monitored ${pct(r.coverage)}), ${r.failing.length}/${r.stations} stations below threshold, facilities ${r.facilityPercent ?? '—'}%`;
  });
  const markdown = `### ${title}\n\n${lines.join('\n')}`;
  return { title, markdown, text: `${title}\n\n${lines.map((l) => l.replace(/\*\*/g, '')).join('\n')}\n` };
}

/** The June self-check draft of every district, on the current year's evidence: telemetry-evidenced items scored, the rest left open. */
export function selfCheckDrafts(registry: Registry, snapshots: readonly ComplianceSnapshot[], alerts: readonly Alert[], year: number): AcceptanceForm[] {
  const evidence = liveEvidence(snapshots, alerts);
  return DISTRICTS.map(({ code }) => acceptanceForm(code, year, registry.stations, evidence, new Map()));
}

export function renderSelfCheck(form: AcceptanceForm): RenderedMessage {
  const title = `【验收自查草稿】${form.year} ${form.nameZh}：系统预评 ${form.total}/${form.max} 分，待人工填写 ${form.items.filter((i) => i.score === null).length} 项`;
  const lines = form.items.map(
    (i) =>
      `- ${i.no}. ${i.textZh}：${i.score === null ? '待填写 (to fill in)' : `${i.score}/${i.max}`}${i.evidenceZh.length ? `（${i.evidenceZh.join('；')}）` : ''}`,
  );
  const markdown = `### ${title}\n请于7月前（6月30日前）完成自查，8月底前上报。Self-check draft: complete before July (by 30 June), report by end of August.\n\n${lines.join('\n')}`;
  return { title, markdown, text: markdown.replace(/^### /, '') };
}

/** The 1 July notice: districts whose self-check was not submitted before July (or only after it). */
export function renderLateSelfChecks(year: number, districtNames: readonly string[]): RenderedMessage {
  const title = `【验收自查逾期】${year} 年 ${districtNames.length} 个单位未在7月前上报自查`;
  const due = selfCheckDueDate(year);
  const markdown = `### ${title}\n截止日期 ${due}（计划：7月前完成自查）。Self-checks not submitted before July (due ${due}):\n\n${districtNames.map((n) => `- ${n}`).join('\n')}`;
  return { title, markdown, text: markdown.replace(/^### /, '') };
}
