import { z } from 'zod';
import { ALERT_STATES, SEVERITIES, type Alert } from '../../domain/alerts.js';
import { DISTRICT_CODES } from '../../domain/districts.js';
import { RULES } from '../../rules/catalog.js';
import type { Api } from '../api-routes.js';
import { canSee, scopeDistrict } from '../auth/scope.js';
import { EVERYONE } from '../auth/users.js';
import type { ApiContext } from '../context.js';
import { toCsv } from '../export-formats.js';

// The alert history a maintainer or officer searches: every alert the alerting service still
// holds (open and resolved), filtered by district, severity, rule (type), state and the day it
// began, newest first, as JSON pages or one CSV.

const day = z.iso.date().describe('Shanghai calendar date, YYYY-MM-DD');
const DAY_MS = 86_400_000;
const SHANGHAI = 8 * 3_600_000;
const startOf = (date: string): number => Date.parse(`${date}T00:00:00Z`) - SHANGHAI;

export const AlertHistoryQuerySchema = z
  .strictObject({
    district: z.enum(DISTRICT_CODES).optional(),
    severity: z.enum(SEVERITIES).optional(),
    rule: z
      .enum(RULES.map((r) => r.id) as [string, ...string[]])
      .optional()
      .describe('Alert type: a rule id of the catalogue'),
    state: z.enum(ALERT_STATES).optional(),
    from: day.optional().describe('First day the alert began on (inclusive)'),
    to: day.optional().describe('Last day the alert began on (inclusive)'),
    format: z.enum(['json', 'csv']).default('json'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: '`to` must not be before `from`' });

const AlertRowSchema = z
  .object({
    key: z.string(),
    ruleId: z.string(),
    stationId: z.string(),
    district: z.string(),
    severity: z.enum(SEVERITIES),
    state: z.enum(ALERT_STATES),
    firstSeen: z.number(),
  })
  .loose();

const RULE_NAMES = new Map(RULES.map((r) => [r.id, r.descriptionZh]));

export function alertHistoryRoutes(api: Api, ctx: ApiContext): void {
  api.route({
    method: 'get',
    path: '/api/alert-history',
    tag: 'alerts',
    summary: 'Alert history (open and resolved), filtered by district, severity, type, state and start date; JSON pages or CSV',
    roles: EVERYONE,
    query: AlertHistoryQuerySchema,
    response: z.object({ total: z.number().int(), alerts: z.array(AlertRowSchema) }).meta({ id: 'AlertHistory' }),
    produces: ['text/csv'],
    handler({ user, query, res }) {
      const district = scopeDistrict(user, query.district);
      const from = query.from ? startOf(query.from) : -Infinity;
      const to = query.to ? startOf(query.to) + DAY_MS : Infinity;
      const rows = ctx.alerting
        .list({ district, severity: query.severity, state: query.state })
        .filter((a) => canSee(user, a.district) && (!query.rule || a.ruleId === query.rule) && a.firstSeen >= from && a.firstSeen < to)
        .sort((a, b) => b.firstSeen - a.firstSeen);
      if (query.format === 'csv') {
        res
          .type('text/csv; charset=utf-8')
          .attachment(`alerts-${district ?? 'all'}.csv`)
          .send(historyCsv(rows, ctx));
        return undefined;
      }
      return { total: rows.length, alerts: rows.slice(query.offset, query.offset + query.limit) };
    },
  });
}

const iso = (ms: number | undefined): string => (ms ? new Date(ms + SHANGHAI).toISOString().replace('T', ' ').slice(0, 19) : '');

function historyCsv(rows: readonly Alert[], ctx: ApiContext): string {
  return toCsv(
    [
      '告警',
      '驿站',
      '驿站名称',
      '区市',
      '类型',
      '级别',
      '状态',
      '开始（北京时间）',
      '最后出现',
      '确认人',
      '确认说明',
      '解决时间',
      '解决人',
      '解决说明',
      '摘要',
    ],
    rows.map((a) => [
      a.key,
      a.stationId,
      ctx.registry.get(a.stationId)?.name ?? '',
      a.district,
      RULE_NAMES.get(a.ruleId) ?? a.ruleId,
      a.severity,
      a.state,
      iso(a.firstSeen),
      iso(a.lastSeen),
      a.acknowledgedBy ?? '',
      a.ackComment ?? '',
      iso(a.resolvedAt),
      a.resolvedBy ?? '',
      a.resolveComment ?? '',
      a.summaryZh,
    ]),
  );
}
