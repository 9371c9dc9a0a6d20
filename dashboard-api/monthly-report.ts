import { z } from 'zod';
import type { ComplianceTime, FacilityStatus } from '../domain/alerts.js';
import { DISTRICTS, type DistrictCode } from '../domain/districts.js';
import { complianceOf, coverageOf, pooledTime } from '../rules/compliance.js';
import { districtFacilityPercent } from '../rules/facility.js';
import { escapeHtml, toCsv } from './export-formats.js';

// What city staff report upward each month (issue 11 item 6): districts ranked by open compliance
// (pooled time over the month, as everywhere) and then facility completeness, with the month's
// usage — visits, the busiest station's peak occupancy, AI speaker wake-ups and queries — and the
// build progress notes. Pure: the route gathers the month's figures from InfluxDB.

const RowSchema = z.object({
  rank: z.number().int(),
  district: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  stations: z.number().int(),
  compliance: z.number().nullable().describe('Σopen ÷ Σwatched scheduled over the month and the district’s stations'),
  coverage: z.number().nullable().describe('Watched ÷ all scheduled time'),
  failing: z.number().int().describe('Stations whose own monthly compliance is below the threshold'),
  facilityPercent: z.number().nullable().describe('Facility completeness now (mean of stations): the past months’ equipment state is not kept'),
  visits: z.number().int().describe('Entries counted by the stations’ occupancy sensors'),
  peakPeople: z.number().int().nullable().describe('Most people at once in one station of the district'),
  speakerWakeups: z.number().int(),
  speakerQueries: z.number().int(),
});
export const MonthlyReportSchema = z
  .object({
    month: z.string(),
    generatedAt: z.number(),
    threshold: z.number(),
    rankingZh: z.string(),
    rankingEn: z.string(),
    districts: z.array(RowSchema),
    notes: z.array(z.object({ zh: z.string(), en: z.string() })),
  })
  .meta({ id: 'MonthlyReport' });
export type MonthlyReport = z.infer<typeof MonthlyReportSchema>;

export interface MonthInputs {
  month: string;
  generatedAt: number;
  threshold: number;
  districts: readonly DistrictCode[];
  stationsIn: (d: DistrictCode) => number;
  /** The month's pooled time per station (its daily rollups). */
  stationTime: ReadonlyArray<{ stationId: string; district: string; time: ComplianceTime }>;
  usage: ReadonlyMap<string, { visits: number; peakPeople: number | null; speakerWakeups: number; speakerQueries: number }>;
  facility: ReadonlyArray<FacilityStatus & { district: string }>;
  notes: Array<{ zh: string; en: string }>;
}

export function monthlyReport(m: MonthInputs): MonthlyReport {
  const rows = DISTRICTS.filter((d) => m.districts.includes(d.code)).map((d) => {
    const mine = m.stationTime.filter((s) => s.district === d.code);
    const time = pooledTime(mine.map((s) => s.time));
    const u = m.usage.get(d.code);
    return {
      rank: 0,
      district: d.code,
      nameZh: d.nameZh,
      nameEn: d.nameEn,
      stations: m.stationsIn(d.code),
      compliance: complianceOf(time),
      coverage: coverageOf(time),
      failing: mine.filter((s) => (complianceOf(s.time) ?? 1) < m.threshold).length,
      facilityPercent: districtFacilityPercent(m.facility.filter((f) => f.district === d.code)),
      visits: u?.visits ?? 0,
      peakPeople: u?.peakPeople ?? null,
      speakerWakeups: u?.speakerWakeups ?? 0,
      speakerQueries: u?.speakerQueries ?? 0,
    };
  });
  const key = (x: number | null): number => x ?? -1;
  rows.sort((a, b) => key(b.compliance) - key(a.compliance) || key(b.facilityPercent) - key(a.facilityPercent) || a.district.localeCompare(b.district));
  rows.forEach((r, i) => (r.rank = i + 1));
  return {
    month: m.month,
    generatedAt: m.generatedAt,
    threshold: m.threshold,
    rankingZh: '按本月开放率（全区合计时间）排名，相同时按设施完备率',
    rankingEn: 'ranked by the month’s open compliance (district pooled time), then facility completeness',
    districts: rows,
    notes: m.notes,
  };
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const HEAD = [
  '排名',
  '单位',
  '驿站数',
  '开放率',
  '监测覆盖',
  '未达标站数',
  '设施完备率（当前）',
  '进站人次',
  '单站最高在站人数',
  '小度唤醒次数',
  '小度问答次数',
];
const cells = (r: MonthlyReport['districts'][number]) => [
  r.rank,
  r.nameZh,
  r.stations,
  pct(r.compliance),
  pct(r.coverage),
  r.failing,
  r.facilityPercent === null ? '—' : `${r.facilityPercent}%`,
  r.visits,
  r.peakPeople ?? '—',
  r.speakerWakeups,
  r.speakerQueries,
];

export const monthlyReportCsv = (r: MonthlyReport): string => toCsv(HEAD, r.districts.map(cells));

export function monthlyReportHtml(r: MonthlyReport, date: string): string {
  const rows = r.districts
    .map(
      (d) =>
        `<tr>${cells(d)
          .map((c) => `<td>${escapeHtml(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>智能户外劳动者驿站月报 ${escapeHtml(r.month)}</title>
<style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #333;padding:.4em;font-size:11pt;text-align:right}td:nth-child(2){text-align:left}th{background:#eee}@media print{body{margin:0}}</style></head>
<body><h1>智能户外劳动者驿站月报 ${escapeHtml(r.month)}</h1><p>青岛市总工会　导出日期：${escapeHtml(date)}　${escapeHtml(r.rankingZh)}；未达标：本月开放率低于 ${Math.round(r.threshold * 100)}%</p>
<table><thead><tr>${HEAD.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
${r.notes.length ? `<h2>建设进度说明</h2><ul>${r.notes.map((n) => `<li>${escapeHtml(n.zh)}</li>`).join('')}</ul>` : ''}
<p>设施完备率为导出时的当前状态（往月设备状态未留存）。开放率只计平台监测到的排班时间。</p></body></html>\n`;
}
