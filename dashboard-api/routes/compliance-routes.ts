import { z } from 'zod';
import type { ComplianceSnapshot } from '../../domain/alerts.js';
import { DISTRICT_CODES, PLAN_YEARS, type PlanYear } from '../../domain/districts.js';
import { localDateOf } from '../../domain/schedule.js';
import { acceptanceForm, AcceptanceFormSchema, FORM_ITEMS, type AcceptanceForm } from '../../rules/acceptance-form.js';
import type { Api } from '../api-routes.js';
import { assertCanSee, scopeDistrict } from '../auth/scope.js';
import { EVERYONE } from '../auth/users.js';
import type { ApiContext } from '../context.js';
import { escapeHtml, toCsv } from '../export-formats.js';
import { HttpError } from '../http-errors.js';
import { pageQueryShape, sortAndPage } from '../list-query.js';

const year = z.coerce
  .number()
  .int()
  .refine((y): y is PlanYear => (PLAN_YEARS as readonly number[]).includes(y), `a plan year: ${PLAN_YEARS.join(', ')}`);

const FormParamsSchema = z.strictObject({ district: z.enum(DISTRICT_CODES) });
const FormQuerySchema = z.strictObject({
  year: year.optional().describe('Plan year; default: the last one'),
  format: z.enum(['json', 'csv', 'html']).default('json'),
});
const ItemParamsSchema = z.strictObject({
  district: z.enum(DISTRICT_CODES),
  no: z.coerce.number().int().min(1).max(FORM_ITEMS.length).describe('Item number; only items the form marks auto: false that year can be scored'),
});

/** A city staff member's score of a manual item (the item's maximum is checked against the form). */
export const ManualScoreSchema = z
  .strictObject({
    score: z.number().min(0).max(20).describe('Points given; at most the item maximum'),
    note: z.string().trim().max(500).default(''),
  })
  .meta({ id: 'ManualScore' });

const LAST_YEAR = PLAN_YEARS[PLAN_YEARS.length - 1]!;

/** A district's acceptance form of a plan year: automatic items from the live figures, manual ones from the database. */
export const districtForm = async (ctx: ApiContext, district: (typeof DISTRICT_CODES)[number], y: PlanYear): Promise<AcceptanceForm> =>
  acceptanceForm(district, y, ctx.registry.inDistrict(district), ctx.complianceById(), await ctx.acceptance.forForm(district, y));
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
  const form = (district: (typeof DISTRICT_CODES)[number], y: PlanYear): Promise<AcceptanceForm> => districtForm(ctx, district, y);

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
      const f = await form(params.district, query.year ?? LAST_YEAR);
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
    summary: 'Score a manual item of the acceptance form (city staff)',
    roles: ['city-admin'],
    params: ItemParamsSchema,
    query: z.strictObject({ year: year.optional() }),
    body: ManualScoreSchema,
    response: AcceptanceFormSchema,
    async handler({ user, params, query, body }) {
      const y = query.year ?? LAST_YEAR;
      const item = (await form(params.district, y)).items.find((i) => i.no === params.no)!;
      if (item.auto)
        throw new HttpError(400, 'invalid_request', `item ${item.no} is scored automatically for ${params.district} ${y}`, [
          { path: 'params.no', message: 'scored automatically' },
        ]);
      if (body.score > item.max)
        throw new HttpError(400, 'invalid_request', `item ${item.no} is worth at most ${item.max} points`, [
          { path: 'body.score', message: `at most ${item.max}` },
        ]);
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

function formCsv(f: AcceptanceForm): string {
  return toCsv(
    ['序号', '项目', '考核内容', '标准分', '考核分', '评分方式', '依据', '备注'],
    f.items
      .map((i) => [i.no, i.sectionZh, i.textZh, i.max, i.score ?? '', i.auto ? '自动（遥测/台账）' : '人工', i.evidenceZh.join('；'), i.note ?? ''])
      .concat([['', '合计', '', f.max, f.total, '', '', '']]),
  );
}

function formHtml(f: AcceptanceForm, date: string): string {
  const rows = f.items
    .map(
      (i) =>
        `<tr><td>${i.no}</td><td>${escapeHtml(i.sectionZh)}</td><td>${escapeHtml(i.textZh)}</td><td>${i.max}分</td><td>${i.score ?? ''}</td>` +
        `<td>${i.auto ? '自动' : '人工'}</td><td>${i.evidenceZh.map(escapeHtml).join('<br>')}${i.note ? `<br>备注：${escapeHtml(i.note)}` : ''}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>智能户外劳动者驿站检查验收自查表 ${escapeHtml(f.nameZh)} ${f.year}</title>
<style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #333;padding:.4em;vertical-align:top;font-size:11pt}th{background:#eee}@media print{body{margin:0}}</style></head>
<body><h1>智能户外劳动者驿站检查验收自查表</h1><p>单位名称（公章）：${escapeHtml(f.nameZh)}　年度：${f.year}　导出日期：${date}</p>
<table><thead><tr><th>序号</th><th>项目</th><th>考核内容</th><th>标准分</th><th>考核分</th><th>评分</th><th>依据 / 备注</th></tr></thead><tbody>
${rows}
<tr><th colspan="3">合计</th><th>${f.max}分</th><th>${f.total}</th><th colspan="2">${f.complete ? '' : '尚有人工项目未评分'}</th></tr></tbody></table></body></html>\n`;
}
