import { z } from 'zod';
import { ALERT_STATES, SEVERITIES, type Alert } from '../../domain/alerts.js';
import { DISTRICT_CODES } from '../../domain/districts.js';
import { EQUIPMENT_ITEMS } from '../../domain/equipment.js';
import { StationIdSchema } from '../../domain/station.js';
import { RULES } from '../../rules/catalog.js';
import type { Api } from '../api-routes.js';
import { AuditEntrySchema } from '../audit-log.js';
import { assertCanSee, canSee, scopeDistrict } from '../auth/scope.js';
import { ACTORS, EVERYONE, type User } from '../auth/users.js';
import { visibleStation as stationIfVisible, type ApiContext } from '../context.js';
import { HttpError, notFound } from '../http-errors.js';

const ALERT_KEY = /^[A-Z]{2,3}-\d{4}:[a-z0-9_.-]{1,64}$/;
const AlertParamsSchema = z.strictObject({ key: z.string().regex(ALERT_KEY, 'expected <station>:<rule>') });

export const AlertListQuerySchema = z.strictObject({
  district: z.enum(DISTRICT_CODES).optional(),
  station: StationIdSchema.optional(),
  state: z
    .enum([...ALERT_STATES, 'active'])
    .optional()
    .describe('active = firing or acknowledged'),
  severity: z.enum(SEVERITIES).optional(),
  limit: z.coerce.number().int().min(1).max(2000).default(500),
});

export const AcknowledgeBodySchema = z.strictObject({ comment: z.string().trim().min(1, 'say what is being done').max(500) }).meta({ id: 'AcknowledgeBody' });
export const ResolveBodySchema = z.strictObject({ comment: z.string().trim().max(500).optional() }).meta({ id: 'ResolveBody' });

const MAX_SILENCE_MS = 30 * 86_400_000;
export const SilenceBodySchema = z
  .strictObject({
    stationId: StationIdSchema,
    ruleIds: z
      .array(z.enum(RULES.map((r) => r.id) as [string, ...string[]]))
      .max(50)
      .default([])
      .describe('Rules to mute (ids of the rule catalogue); empty = all rules (maintenance window)'),
    from: z.iso.datetime({ offset: true }).optional().describe('Default: now'),
    until: z.iso.datetime({ offset: true }),
    reason: z.string().trim().min(1).max(500),
  })
  .meta({ id: 'SilenceBody' });

export const AttestationBodySchema = z
  .strictObject({
    stationId: StationIdSchema,
    item: z.enum(EQUIPMENT_ITEMS),
    present: z.boolean(),
    working: z.boolean(),
    note: z.string().trim().max(500).optional(),
  })
  .meta({ id: 'AttestationBody' });

const AlertSchema = z
  .object({ key: z.string(), stationId: z.string(), district: z.string(), severity: z.enum(SEVERITIES), state: z.enum(ALERT_STATES) })
  .loose()
  .meta({ id: 'Alert' });

export function alertRoutes(api: Api, ctx: ApiContext): void {
  const visibleStation = (user: User, id: string) => stationIfVisible(ctx.registry, user, id);
  // The key names the station: its district decides (403) before the alert is looked up, so a maintainer gets the
  // same answer for another district's alert whether it exists or not, as for its stations and silences.
  const visibleAlert = (user: User, key: string): Alert => {
    visibleStation(user, key.slice(0, key.indexOf(':')));
    const alert = ctx.alerting.get(key);
    if (!alert) throw notFound(`alert ${key}`);
    assertCanSee(user, alert.district, `alert ${key}`);
    return alert;
  };

  api.route({
    method: 'get',
    path: '/api/alerts',
    tag: 'alerts',
    summary: 'Alerts, newest first',
    roles: EVERYONE,
    query: AlertListQuerySchema,
    response: z.array(AlertSchema),
    handler({ user, query }) {
      const district = scopeDistrict(user, query.district);
      if (query.station) visibleStation(user, query.station); // 403 for another district's station, as silences
      const state = query.state === 'active' ? undefined : query.state;
      return ctx.alerting
        .list({ district, stationId: query.station, state, severity: query.severity })
        .filter((a) => canSee(user, a.district))
        .filter((a) => query.state !== 'active' || a.state !== 'resolved')
        .sort((a, b) => b.lastSeen - a.lastSeen)
        .slice(0, query.limit);
    },
  });

  api.route({
    method: 'post',
    path: '/api/alerts/:key/acknowledge',
    tag: 'alerts',
    summary: 'Acknowledge a firing alert with a comment',
    roles: ACTORS,
    params: AlertParamsSchema,
    body: AcknowledgeBodySchema,
    response: AlertSchema,
    async handler({ user, params, body }) {
      const alert = visibleAlert(user, params.key);
      if (alert.state !== 'firing') throw new HttpError(409, 'conflict', `alert ${alert.key} is ${alert.state}, not firing`);
      const updated = await ctx.alerting.acknowledge(alert.key, user.username, body.comment);
      await ctx.audit.append({
        at: ctx.now(),
        user: user.username,
        role: user.role,
        action: 'acknowledge',
        district: alert.district,
        target: alert.key,
        detail: { comment: body.comment },
      });
      return updated;
    },
  });

  api.route({
    method: 'post',
    path: '/api/alerts/:key/resolve',
    tag: 'alerts',
    summary: 'Resolve an alert (fixed)',
    roles: ACTORS,
    params: AlertParamsSchema,
    body: ResolveBodySchema,
    response: AlertSchema,
    async handler({ user, params, body }) {
      const alert = visibleAlert(user, params.key);
      if (alert.state === 'resolved') throw new HttpError(409, 'conflict', `alert ${alert.key} is already resolved`);
      const updated = await ctx.alerting.resolve(alert.key, user.username, body.comment);
      await ctx.audit.append({
        at: ctx.now(),
        user: user.username,
        role: user.role,
        action: 'resolve',
        district: alert.district,
        target: alert.key,
        detail: body.comment ? { comment: body.comment } : undefined,
      });
      return updated;
    },
  });

  api.route({
    method: 'get',
    path: '/api/silences',
    tag: 'alerts',
    summary: 'Silences (maintenance windows), optionally of one station',
    roles: EVERYONE,
    query: z.strictObject({ station: StationIdSchema.optional() }),
    handler({ user, query }) {
      if (query.station) visibleStation(user, query.station);
      return ctx.alerting.silences(query.station).filter((s) => {
        const st = ctx.registry.get(s.stationId);
        return st !== undefined && canSee(user, st.district);
      });
    },
  });

  api.route({
    method: 'post',
    path: '/api/silences',
    tag: 'alerts',
    summary: "Silence a station's rules for a while",
    roles: ACTORS,
    body: SilenceBodySchema,
    async handler({ user, body }) {
      const station = visibleStation(user, body.stationId);
      const from = body.from ? Date.parse(body.from) : ctx.now();
      const until = Date.parse(body.until);
      if (until <= ctx.now())
        throw new HttpError(400, 'invalid_request', 'body.until is in the past', [{ path: 'body.until', message: 'must be in the future' }]);
      if (until <= from)
        throw new HttpError(400, 'invalid_request', 'body.until must be after body.from', [{ path: 'body.until', message: 'must be after from' }]);
      if (until - from > MAX_SILENCE_MS)
        throw new HttpError(400, 'invalid_request', 'a silence may last at most 30 days', [{ path: 'body.until', message: 'at most 30 days after from' }]);
      const silence = await ctx.alerting.silence({ stationId: station.id, ruleIds: body.ruleIds, from, until, reason: body.reason, createdBy: user.username });
      await ctx.audit.append({
        at: ctx.now(),
        user: user.username,
        role: user.role,
        action: 'silence',
        district: station.district,
        target: station.id,
        detail: { id: silence.id, ruleIds: body.ruleIds, from, until, reason: body.reason },
      });
      return silence;
    },
  });

  api.route({
    method: 'post',
    path: '/api/attestations',
    tag: 'alerts',
    summary: 'Record an inspection of a manual facility item',
    roles: ACTORS,
    body: AttestationBodySchema,
    async handler({ user, body }) {
      const station = visibleStation(user, body.stationId);
      if (station.equipment[body.item] === undefined)
        throw new HttpError(400, 'invalid_request', `${station.id} has no ${body.item} in its equipment list`, [
          { path: 'body.item', message: 'not in the station equipment' },
        ]);
      if (station.equipment[body.item] === 'telemetry')
        throw new HttpError(400, 'invalid_request', `${body.item} of ${station.id} reports telemetry; it is not attested`, [
          { path: 'body.item', message: 'reported by telemetry' },
        ]);
      const attestation = {
        stationId: station.id,
        item: body.item,
        present: body.present,
        working: body.working,
        by: user.username,
        at: ctx.now(),
        ...(body.note ? { note: body.note } : {}),
      };
      await ctx.alerting.attest(attestation);
      await ctx.audit.append({
        at: attestation.at,
        user: user.username,
        role: user.role,
        action: 'attest',
        district: station.district,
        target: station.id,
        detail: { item: body.item, present: body.present, working: body.working, note: body.note },
      });
      return attestation;
    },
  });

  api.route({
    method: 'get',
    path: '/api/audit',
    tag: 'alerts',
    summary: 'Audit log, newest first (a maintainer sees their district)',
    roles: EVERYONE,
    query: z.strictObject({ district: z.enum(DISTRICT_CODES).optional(), limit: z.coerce.number().int().min(1).max(5000).default(200) }),
    response: z.array(AuditEntrySchema),
    handler({ user, query }) {
      return ctx.audit.list({ district: scopeDistrict(user, query.district), limit: query.limit });
    },
  });
}
