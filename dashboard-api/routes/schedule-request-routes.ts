import { z } from 'zod';
import { DISTRICT_CODES, type DistrictCode } from '../../domain/districts.js';
import { localDateOf, WeeklySchema } from '../../domain/schedule.js';
import {
  CLOSURE_REASONS,
  limitBreach,
  SCHEDULE_REQUEST_STATES,
  SCHEDULE_REQUEST_STEPS,
  type ScheduleChange,
  type ScheduleRequestStep,
} from '../../domain/schedule-requests.js';
import type { Api } from '../api-routes.js';
import { assertCanSee, scopeDistrict } from '../auth/scope.js';
import { EVERYONE } from '../auth/users.js';
import { type ApiContext, visibleStation } from '../context.js';
import { forbidden, HttpError, notFound } from '../http-errors.js';
import type { ScheduleRequest } from '../schedule-request-store.js';

// Declared closures and schedule changes (issue 11 item 4): a district maintainer asks for a station
// of their district; city staff approve or reject with a note; the maintainer who asked may withdraw
// while it is pending. A request beyond the configured limits is refused naming the limit (422, counted
// in dashboard_http_rejected_total by its code). Approved ones shape compliance from their dates on:
// the alerting service re-reads them (alerting/service.ts, every RECORDS_REFRESH_MS).

const date = z.iso.date().describe('Local date, YYYY-MM-DD');
const stationId = z.string().regex(/^[A-Z]{2,3}-\d{4}$/, 'expected a station id like SN-0001');
const note = z.string().trim().min(1, 'say why').max(500);

/** New hours of a schedule change: 24 h, or windows per weekday (closed dates are requested as closures). */
const WeekHoursSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('24h') }),
  z.strictObject({ type: z.literal('weekly'), weekly: WeeklySchema.describe('Opening windows per weekday (sun … sat), each {open, close} HH:MM') }),
]);

const CreateBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('closure'),
    stationId,
    from: date.describe('First closed day (today or later)'),
    to: date.describe('Last closed day'),
    reason: z.enum(CLOSURE_REASONS).describe('装修 renovation / 停电 power_cut / 节假日 holiday / 其他 other'),
    note,
  }),
  z.strictObject({
    kind: z.literal('schedule'),
    stationId,
    effectiveFrom: date.describe('First day of the new hours (after today): the days before keep the old hours'),
    hours: WeekHoursSchema,
    note,
  }),
]);

export const ScheduleRequestSchema = z
  .object({
    id: z.number().int(),
    stationId: z.string(),
    name: z.string(),
    district: z.string(),
    kind: z.enum(['closure', 'schedule']),
    state: z.enum(SCHEDULE_REQUEST_STATES),
    from: z.string().optional(),
    to: z.string().optional(),
    reason: z.enum(CLOSURE_REASONS).optional(),
    effectiveFrom: z.string().optional(),
    hours: z.unknown().optional().describe('The new hours of a schedule change'),
    note: z.string(),
    requestedBy: z.string(),
    requestedAt: z.number(),
    decidedBy: z.string().optional(),
    decidedAt: z.number().optional(),
    decisionNote: z.string().optional(),
  })
  .meta({ id: 'ScheduleRequest' });
/** One row of GET /api/schedule-requests (the web app types its tables with it). */
export type ScheduleRequestRow = z.infer<typeof ScheduleRequestSchema>;

const BODIES: Record<ScheduleRequestStep, z.ZodObject> = {
  withdraw: z.strictObject({}),
  approve: z.strictObject({ note: z.string().trim().max(500).optional() }),
  reject: z.strictObject({ note: z.string().trim().min(1, 'say why it is rejected').max(500) }),
};
const SUMMARY: Record<ScheduleRequestStep, string> = {
  withdraw: 'Withdraw a pending request (the maintainer who made it)',
  approve: 'Approve a pending request before it takes effect (city staff); it then counts in compliance from its dates on',
  reject: 'Reject a pending request with the reason (city staff)',
};
const LIMIT_VARIABLE = { min_weekly_open_hours: 'DASHBOARD_MIN_WEEKLY_OPEN_HOURS', max_closure_days_per_year: 'DASHBOARD_MAX_CLOSURE_DAYS' } as const;

const invalid = (path: string, message: string): HttpError => new HttpError(400, 'invalid_request', `${path}: ${message}`, [{ path, message }]);

export function scheduleRequestRoutes(api: Api, ctx: ApiContext): void {
  const named = (r: ScheduleRequest): ScheduleRequestRow => ({ ...r, name: ctx.registry.get(r.stationId)?.name ?? '' });

  /** Refuses a change that would break a configured limit, counting the station's other approved (and, asked for, pending) closures. */
  async function checkLimits(change: ScheduleChange, station: string, counted: ScheduleRequest['state'][], except?: number): Promise<void> {
    const others = (await ctx.scheduleRequests.list({ stationId: station, states: counted })).filter(
      (r): r is ScheduleRequest & { kind: 'closure' } => r.kind === 'closure' && r.id !== except,
    );
    const breach = limitBreach(change, others, ctx.scheduleLimits);
    if (breach)
      throw new HttpError(422, breach.limit, `${breach.messageZh}（${LIMIT_VARIABLE[breach.limit]}） / ${breach.messageEn} (${LIMIT_VARIABLE[breach.limit]})`);
  }

  api.route({
    method: 'get',
    path: '/api/schedule-requests',
    tag: 'compliance',
    summary: 'Declared closures and schedule changes, newest first (a maintainer: their district)',
    roles: EVERYONE,
    query: z.strictObject({
      district: z.enum(DISTRICT_CODES).optional(),
      stationId: stationId.optional(),
      state: z.enum(SCHEDULE_REQUEST_STATES).optional(),
    }),
    response: z.array(ScheduleRequestSchema),
    async handler({ user, query }) {
      const district = scopeDistrict(user, query.district);
      if (query.stationId) visibleStation(ctx.registry, user, query.stationId);
      const rows = await ctx.scheduleRequests.list({
        ...(district ? { district } : {}),
        ...(query.stationId ? { stationId: query.stationId } : {}),
        ...(query.state ? { states: [query.state] } : {}),
      });
      return rows.map(named);
    },
  });

  api.route({
    method: 'post',
    path: '/api/schedule-requests',
    tag: 'compliance',
    summary: 'Request a declared closure (dates and reason) or a schedule change (new weekly hours from a later date) for a station of your district',
    roles: ['district-maintainer'],
    body: CreateBody,
    response: ScheduleRequestSchema,
    async handler({ user, body }) {
      const station = visibleStation(ctx.registry, user, body.stationId);
      const at = ctx.now();
      const today = localDateOf(at);
      const { stationId: _id, note: why, ...change } = body;
      if (change.kind === 'closure') {
        if (change.from < today) throw invalid('body.from', `today (${today}) or later`);
        if (change.to < change.from) throw invalid('body.to', 'on or after from');
      } else if (change.effectiveFrom <= today) throw invalid('body.effectiveFrom', `after today (${today}): the past keeps its hours`);
      await checkLimits(change, station.id, ['approved', 'pending']);
      const created = await ctx.scheduleRequests.create({ ...change, stationId: station.id, district: station.district, note: why, by: user.username, at });
      await ctx.audit.append({
        at,
        user: user.username,
        role: user.role,
        action: 'schedule_request',
        district: station.district,
        target: `${station.id}:schedule-request:${created.id}`,
        detail: { ...change, note: why },
      });
      return named(created);
    },
  });

  for (const step of Object.keys(SCHEDULE_REQUEST_STEPS) as ScheduleRequestStep[]) {
    const rule = SCHEDULE_REQUEST_STEPS[step];
    api.route({
      method: 'post',
      path: `/api/schedule-requests/:id/${step}`,
      tag: 'compliance',
      summary: SUMMARY[step],
      roles: [rule.role],
      params: z.strictObject({ id: z.coerce.number().int().positive() }),
      body: BODIES[step],
      response: ScheduleRequestSchema,
      async handler({ user, params, body }) {
        const request = await ctx.scheduleRequests.get(params.id);
        if (!request) throw notFound(`schedule request ${params.id}`);
        assertCanSee(user, request.district as DistrictCode, `schedule request ${params.id}`);
        const at = ctx.now();
        const today = localDateOf(at);
        if (step === 'withdraw' && request.requestedBy !== user.username) throw forbidden(`only ${request.requestedBy}, who asked, may withdraw it`);
        if (step === 'approve' && request.state === 'pending') {
          // Approval never rewrites judged days: a request whose first day has passed is rejected and asked again.
          const started = request.kind === 'closure' ? request.from < today : request.effectiveFrom <= today;
          if (started)
            throw new HttpError(
              409,
              'conflict',
              `schedule request ${request.id} takes effect ${request.kind === 'closure' ? request.from : request.effectiveFrom}, before or on today (${today}): past days keep their schedule; reject it and request again`,
            );
          await checkLimits(request, request.stationId, ['approved'], request.id);
        }
        const decisionNote = (body as { note?: string }).note;
        const next = await ctx.scheduleRequests.step(request.id, step, { by: user.username, at, ...(decisionNote ? { note: decisionNote } : {}) });
        if (!next) {
          const now = await ctx.scheduleRequests.get(request.id);
          throw new HttpError(409, 'conflict', `schedule request ${request.id} is ${now?.state}: it cannot be ${rule.to} (needs ${rule.from.join(' or ')})`);
        }
        await ctx.audit.append({
          at,
          user: user.username,
          role: user.role,
          action: `schedule_${step}`,
          district: request.district as DistrictCode,
          target: `${request.stationId}:schedule-request:${request.id}`,
          detail: { state: next.state, kind: next.kind, ...(decisionNote ? { note: decisionNote } : {}) },
        });
        return named(next);
      },
    });
  }
}
