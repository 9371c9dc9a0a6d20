import { z } from 'zod';
import type { ComplianceTime, FacilityStatus } from '../domain/alerts.js';
import { DISTRICTS, districtByCode, type DistrictCode } from '../domain/districts.js';
import { localDateOf, weeklyHours, type WeekHours } from '../domain/schedule.js';
import { CLOSURE_REASON_ZH, CLOSURE_REASONS } from '../domain/schedule-requests.js';
import { selfCheckDueDate, selfCheckLate } from '../domain/self-check.js';
import { complianceOf, coverageOf, pooledTime } from '../rules/compliance.js';
import { districtFacilityPercent } from '../rules/facility.js';
import { escapeHtml, toCsv } from './export-formats.js';

// What city staff report upward each month (issue 11 item 6): districts ranked by open compliance
// (pooled time over the month, as everywhere) and then facility completeness, with the month's
// usage — visits, the busiest station's peak occupancy, AI speaker wake-ups and queries — and the
// build progress notes, the declared closures and schedule changes approved for the month (and those
// pending), and the districts whose self-check is late. Pure: the route gathers the month's figures
// from InfluxDB and the requests and self-checks from the database.

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
const ScheduleChangeRowSchema = z.object({
  district: z.string(),
  nameZh: z.string(),
  stationId: z.string(),
  stationName: z.string(),
  kind: z.enum(['closure', 'schedule']),
  state: z.enum(['approved', 'pending']),
  from: z.string().optional().describe('Closure: first day'),
  to: z.string().optional().describe('Closure: last day'),
  reason: z.enum(CLOSURE_REASONS).optional(),
  effectiveFrom: z.string().optional().describe('Schedule change: first day of the new hours'),
  weeklyHours: z.number().optional().describe('Schedule change: open hours a week'),
  note: z.string(),
  requestedBy: z.string(),
  decidedBy: z.string().optional(),
});
const LateSelfCheckSchema = z.object({
  district: z.string(),
  nameZh: z.string(),
  dueBy: z.string(),
  submittedAt: z.number().nullable().describe('Null: not submitted'),
});
export const MonthlyReportSchema = z
  .object({
    month: z.string(),
    generatedAt: z.number(),
    threshold: z.number(),
    rankingZh: z.string(),
    rankingEn: z.string(),
    districts: z.array(RowSchema),
    scheduleChanges: z
      .array(ScheduleChangeRowSchema)
      .describe(
        'Declared closures and schedule changes approved for the month (a closure touching it, a change effective in it), then the pending ones, by district',
      ),
    lateSelfChecks: z
      .array(LateSelfCheckSchema)
      .describe('Districts whose self-check of the month’s year was late by the end of the month (or now): not submitted before July, or after it'),
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
  /** The districts' approved and pending requests (any month: picked here). */
  scheduleRequests: ReadonlyArray<ReportedRequest>;
  stationName: (id: string) => string;
  /** When each district submitted its self-check of the month's year (absent: not submitted). */
  selfCheckSubmissions: ReadonlyMap<string, number>;
}

export interface ReportedRequest {
  district: string;
  stationId: string;
  state: string;
  kind: 'closure' | 'schedule';
  from?: string;
  to?: string;
  reason?: (typeof CLOSURE_REASONS)[number];
  effectiveFrom?: string;
  hours?: WeekHours;
  note: string;
  requestedBy: string;
  decidedBy?: string;
}

/** Approved requests that shape the month (a closure touching it, a change effective in it), then every pending one. */
function monthsRequests(m: MonthInputs): MonthlyReport['scheduleChanges'] {
  const first = `${m.month}-01`;
  const last = `${m.month}-31`;
  const inMonth = (r: ReportedRequest): boolean =>
    r.kind === 'closure' ? r.from! <= last && r.to! >= first : r.effectiveFrom! >= first && r.effectiveFrom! <= last;
  const picked = m.scheduleRequests.filter(
    (r) => m.districts.includes(r.district as DistrictCode) && (r.state === 'pending' || (r.state === 'approved' && inMonth(r))),
  );
  return picked
    .map((r) => ({
      district: r.district,
      nameZh: districtByCode(r.district as DistrictCode).nameZh,
      stationId: r.stationId,
      stationName: m.stationName(r.stationId),
      kind: r.kind,
      state: r.state as 'approved' | 'pending',
      ...(r.kind === 'closure' ? { from: r.from!, to: r.to!, reason: r.reason! } : { effectiveFrom: r.effectiveFrom!, weeklyHours: weeklyHours(r.hours!) }),
      note: r.note,
      requestedBy: r.requestedBy,
      ...(r.decidedBy ? { decidedBy: r.decidedBy } : {}),
    }))
    .sort((a, b) => a.state.localeCompare(b.state) || a.district.localeCompare(b.district) || a.stationId.localeCompare(b.stationId));
}

/** Districts (of the report) whose self-check of the month's year was late at the end of the month, or at generation if earlier. */
function lateSelfChecks(m: MonthInputs, monthEnd: number): MonthlyReport['lateSelfChecks'] {
  const year = Number(m.month.slice(0, 4));
  const at = Math.min(m.generatedAt, monthEnd - 1);
  return DISTRICTS.filter((d) => m.districts.includes(d.code) && m.stationsIn(d.code) > 0)
    .filter((d) => selfCheckLate(year, m.selfCheckSubmissions.get(d.code), at))
    .map((d) => ({ district: d.code, nameZh: d.nameZh, dueBy: selfCheckDueDate(year), submittedAt: m.selfCheckSubmissions.get(d.code) ?? null }));
}

/** `monthEnd`: epoch ms of the local midnight ending the month. */
export function monthlyReport(m: MonthInputs, monthEnd: number): MonthlyReport {
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
    scheduleChanges: monthsRequests(m),
    lateSelfChecks: lateSelfChecks(m, monthEnd),
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

const CHANGE_HEAD = ['单位', '驿站', '类型', '状态', '日期', '原因/每周开放小时', '说明', '申请人', '审批人'];
const changeCells = (c: MonthlyReport['scheduleChanges'][number]) => [
  c.nameZh,
  `${c.stationId} ${c.stationName}`,
  c.kind === 'closure' ? '申报闭站' : '开放时间调整',
  c.state === 'approved' ? '已批准' : '待审批',
  c.kind === 'closure' ? `${c.from} 至 ${c.to}` : `${c.effectiveFrom} 起`,
  c.kind === 'closure' ? CLOSURE_REASON_ZH[c.reason!] : `每周 ${c.weeklyHours} 小时`,
  c.note,
  c.requestedBy,
  c.decidedBy ?? '',
];
const LATE_HEAD = ['单位', '自查截止日期', '上报情况'];
const lateCells = (l: MonthlyReport['lateSelfChecks'][number]) => [
  l.nameZh,
  l.dueBy,
  l.submittedAt === null ? '未上报' : `逾期上报 ${localDateOf(l.submittedAt)}`,
];

/** The ranking, then the month's closures and schedule changes and the late self-checks, each under its own header. */
export const monthlyReportCsv = (r: MonthlyReport): string =>
  toCsv(HEAD, [
    ...r.districts.map(cells),
    [],
    ['申报闭站与开放时间调整（本月已批准及待审批）'],
    CHANGE_HEAD,
    ...r.scheduleChanges.map(changeCells),
    [],
    ['自查逾期（7月前未上报）'],
    LATE_HEAD,
    ...r.lateSelfChecks.map(lateCells),
  ]);

const htmlTable = (head: readonly string[], rows: ReadonlyArray<readonly unknown[]>, id: string): string =>
  `<table id="${id}"><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>
${rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>`;

export function monthlyReportHtml(r: MonthlyReport, date: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>智能户外劳动者驿站月报 ${escapeHtml(r.month)}</title>
<style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #333;padding:.4em;font-size:11pt;text-align:right}td:nth-child(2){text-align:left}th{background:#eee}@media print{body{margin:0}}</style></head>
<body><h1>智能户外劳动者驿站月报 ${escapeHtml(r.month)}</h1><p>青岛市总工会　导出日期：${escapeHtml(date)}　${escapeHtml(r.rankingZh)}；未达标：本月开放率低于 ${Math.round(r.threshold * 100)}%</p>
${htmlTable(HEAD, r.districts.map(cells), 'ranking')}
<h2>申报闭站与开放时间调整</h2>${r.scheduleChanges.length ? htmlTable(CHANGE_HEAD, r.scheduleChanges.map(changeCells), 'schedule-changes') : '<p>本月无已批准或待审批的申请。</p>'}
<h2>自查逾期</h2>${r.lateSelfChecks.length ? htmlTable(LATE_HEAD, r.lateSelfChecks.map(lateCells), 'late-self-checks') : '<p>无。</p>'}
${r.notes.length ? `<h2>建设进度说明</h2><ul>${r.notes.map((n) => `<li>${escapeHtml(n.zh)}</li>`).join('')}</ul>` : ''}
<p>设施完备率为导出时的当前状态（往月设备状态未留存）。开放率只计平台监测到的排班时间。</p></body></html>\n`;
}
