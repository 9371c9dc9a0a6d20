import { z } from 'zod';
import type { ComplianceSnapshot } from '../../domain/alerts.js';
import { DISTRICT_CODES, type DistrictCode } from '../../domain/districts.js';
import { localDateOf } from '../../domain/schedule.js';
import { acceptanceForm, AcceptanceFormSchema, FORM_ITEMS, formYears, type AcceptanceForm } from '../../rules/acceptance-form.js';
import type { Api } from '../api-routes.js';
import { assertCanSee, scopeDistrict } from '../auth/scope.js';
import { EVERYONE } from '../auth/users.js';
import type { ApiContext } from '../context.js';
import { escapeHtml, toCsv } from '../export-formats.js';
import { currentYear, formEvidence } from '../form-evidence.js';
import { HttpError } from '../http-errors.js';
import { pageQueryShape, sortAndPage } from '../list-query.js';

/** A form's year: any year with stations up to the current one (checked against the registry by formYear). */
export const FormYearSchema = z.coerce.number().int().min(2000).max(2100);
const year = FormYearSchema;

const FormParamsSchema = z.strictObject({ district: z.enum(DISTRICT_CODES) });
const FormQuerySchema = z.strictObject({
  year: year.optional().describe('Year, from the first station built to the current one; default: the current year'),
  format: z.enum(['json', 'csv', 'html']).default('json'),
});
const ItemParamsSchema = z.strictObject({
  district: z.enum(DISTRICT_CODES),
  no: z.coerce
    .number()
    .int()
    .min(1)
    .max(FORM_ITEMS.length)
    .describe('Item number; only items the form marks auto: false that year can be scored, up to their manualMax'),
});

/** A city staff member's score of a manual item (the item's maximum is checked against the form). */
export const ManualScoreSchema = z
  .strictObject({
    score: z.number().min(0).max(20).describe('Points given; at most the item maximum'),
    note: z.string().trim().max(500).default(''),
  })
  .meta({ id: 'ManualScore' });

/** The year asked for (default: the current one), if a form exists for it: 400 otherwise. */
export function formYear(ctx: Pick<ApiContext, 'registry' | 'now'>, asked: number | undefined): number {
  const years = formYears(ctx.registry.stations, currentYear(ctx.now()));
  const y = asked ?? years.at(-1)!;
  if (!years.includes(y))
    throw new HttpError(400, 'invalid_request', `forms exist for ${years[0]}–${years.at(-1)}`, [
      { path: 'query.year', message: `${years[0]}–${years.at(-1)}` },
    ]);
  return y;
}

/** A district's acceptance form of a year, judged on that year's evidence; manual scores from the database. */
export const districtForm = async (ctx: ApiContext, district: DistrictCode, y: number): Promise<AcceptanceForm> =>
  acceptanceForm(district, y, ctx.registry.inDistrict(district), await formEvidence(ctx, district, y), await ctx.acceptance.forForm(district, y));
const ComplianceQuerySchema = z.strictObject({
  district: z.enum(DISTRICT_CODES).optional(),
  failing: z.enum(['true', 'false']).optional(),
  q: z.string().trim().min(1).max(60).optional().describe('Text search in station id and name'),
  ...pageQueryShape(['stationId', 'name', 'district', 'today', 'last30Days', 'yearToDate', 'facility'], 50),
});
/** One row of GET /api/compliance (the web app types its table with it). */
export type ComplianceRow = ComplianceSnapshot & { name: string };
const COMPLIANCE_SORT = {
  stationId: (r: ComplianceRow) => r.stationId,
  name: (r: ComplianceRow) => r.name,
  district: (r: ComplianceRow) => r.district,
  today: (r: ComplianceRow) => r.today,
  last30Days: (r: ComplianceRow) => r.last30Days,
  yearToDate: (r: ComplianceRow) => r.yearToDate,
  facility: (r: ComplianceRow) => r.facility.percent,
};

export function complianceRoutes(api: Api, ctx: ApiContext): void {
  const form = (district: DistrictCode, y: number): Promise<AcceptanceForm> => districtForm(ctx, district, y);

  api.route({
    method: 'get',
    path: '/api/compliance',
    tag: 'compliance',
    summary: 'Open-all-year compliance (today, 30 days, year to date) and facility status per station: filtered, searched, sorted, one page at a time',
    roles: EVERYONE,
    query: ComplianceQuerySchema,
    handler({ user, query }) {
      const district = scopeDistrict(user, query.district);
      const needle = query.q?.toLowerCase();
      const rows = [...ctx.complianceById().values()]
        .filter((c) => (!district || c.district === district) && (!user.district || c.district === user.district))
        .filter((c) => query.failing === undefined || c.failingOpenAllYear === (query.failing === 'true'))
        .map((c): ComplianceRow => ({ ...c, name: ctx.registry.get(c.stationId)?.name ?? '' }))
        .filter((c) => !needle || c.stationId.toLowerCase().includes(needle) || c.name.toLowerCase().includes(needle));
      const { total, page } = sortAndPage(rows, query.sort && COMPLIANCE_SORT[query.sort], query);
      return { total, rows: page };
    },
  });

  api.route({
    method: 'get',
    path: '/api/acceptance/:district',
    tag: 'compliance',
    summary: 'Acceptance self-check form (附件2) of a district: JSON, CSV or printable HTML',
    roles: EVERYONE,
    params: FormParamsSchema,
    query: FormQuerySchema,
    response: AcceptanceFormSchema,
    produces: ['text/csv', 'text/html'],
    async handler({ user, params, query, res }) {
      assertCanSee(user, params.district, 'this acceptance form');
      const f = await form(params.district, formYear(ctx, query.year));
      if (query.format === 'json') return f;
      const name = `acceptance-${f.district}-${f.year}`;
      if (query.format === 'csv') res.type('text/csv; charset=utf-8').attachment(`${name}.csv`).send(formCsv(f));
      else res.type('text/html; charset=utf-8').send(formHtml(f, localDateOf(ctx.now())));
      return undefined;
    },
  });

  api.route({
    method: 'put',
    path: '/api/acceptance/:district/items/:no',
    tag: 'compliance',
    summary: 'Score the manual part of an acceptance-form item (city staff; at most its manualMax)',
    roles: ['city-admin'],
    params: ItemParamsSchema,
    query: z.strictObject({ year: year.optional() }),
    body: ManualScoreSchema,
    response: AcceptanceFormSchema,
    async handler({ user, params, query, body }) {
      const y = formYear(ctx, query.year);
      const item = (await form(params.district, y)).items.find((i) => i.no === params.no)!;
      if (item.auto)
        throw new HttpError(400, 'invalid_request', `item ${item.no} is scored automatically for ${params.district} ${y}`, [
          { path: 'params.no', message: 'scored automatically' },
        ]);
      if (body.score > item.manualMax)
        throw new HttpError(
          400,
          'invalid_request',
          `city staff score at most ${item.manualMax} of item ${item.no}'s ${item.max} points (the rest is evidenced)`,
          [{ path: 'body.score', message: `at most ${item.manualMax}` }],
        );
      const at = ctx.now();
      await ctx.acceptance.set(params.district, y, params.no, { score: body.score, note: body.note, by: user.username, at });
      await ctx.audit.append({
        at,
        user: user.username,
        role: user.role,
        action: 'acceptance_edit',
        district: params.district,
        target: `${params.district}:${y}:item${params.no}`,
        detail: { score: body.score, note: body.note },
      });
      return form(params.district, y);
    },
  });
}

/** How an item is scored, in the form's words. */
const howScored = (i: AcceptanceForm['items'][number]): string =>
  i.auto ? '自动（遥测/台账）' : i.manualMax < i.max ? `部分自动，人工评${i.manualMax}分` : '人工';

function formCsv(f: AcceptanceForm): string {
  return toCsv(
    ['序号', '项目', '考核内容', '标准分', '考核分', '评分方式', '依据', '备注'],
    f.items
      .map((i) => [i.no, i.sectionZh, i.textZh, i.max, i.score ?? '', howScored(i), i.evidenceZh.join('；'), i.note ?? ''])
      .concat([['', '合计', '', f.max, f.total, '', '', '']]),
  );
}

function formHtml(f: AcceptanceForm, date: string): string {
  const rows = f.items
    .map(
      (i) =>
        `<tr><td>${i.no}</td><td>${escapeHtml(i.sectionZh)}</td><td>${escapeHtml(i.textZh)}</td><td>${i.max}分</td><td>${i.score ?? ''}</td>` +
        `<td>${howScored(i)}</td><td>${i.evidenceZh.map(escapeHtml).join('<br>')}${i.note ? `<br>备注：${escapeHtml(i.note)}` : ''}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>智能户外劳动者驿站检查验收自查表 ${escapeHtml(f.nameZh)} ${f.year}</title>
<style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #333;padding:.4em;vertical-align:top;font-size:11pt}th{background:#eee}@media print{body{margin:0}}</style></head>
<body><h1>智能户外劳动者驿站检查验收自查表</h1><p>单位名称（公章）：${escapeHtml(f.nameZh)}　年度：${f.year}　导出日期：${date}</p>
<table><thead><tr><th>序号</th><th>项目</th><th>考核内容</th><th>标准分</th><th>考核分</th><th>评分</th><th>依据 / 备注</th></tr></thead><tbody>
${rows}
<tr><th colspan="3">合计</th><th>${f.max}分</th><th>${f.total}</th><th colspan="2">${f.complete ? '' : '尚有人工项目未评分'}</th></tr></tbody></table></body></html>\n`;
}
