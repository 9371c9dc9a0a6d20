import { z } from 'zod';
import { DISTRICT_CODES } from '../domain/districts.js';
import type { Db } from '../lib/db/database.js';

// The audit log is a table only ever inserted into: this module has no update or delete, and the
// database refuses them too (triggers, see lib/db/migrations). The insert commits — synced to disk
// on SQLite, on PostgreSQL's WAL — before the action is answered; it does not depend on InfluxDB,
// so it holds through an InfluxDB outage (the moment people act most).

export const AUDIT_ACTIONS = [
  'acknowledge',
  'resolve',
  'silence',
  'attest',
  'acceptance_edit',
  'inspect',
  'inspection_photo',
  'self_check_submit',
  'self_check_return',
  'self_check_accept',
  'station_nominate',
  'station_withdraw',
  'station_result',
  'station_plaque',
  'station_subsidy',
  'schedule_request',
  'schedule_withdraw',
  'schedule_approve',
  'schedule_reject',
] as const;

export const AuditEntrySchema = z
  .object({
    at: z.number().int().describe('Epoch ms'),
    user: z.string(),
    role: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    district: z.enum(DISTRICT_CODES).optional(),
    target: z.string().describe('Alert key, station id or form item'),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(filter: { district?: string; limit: number }): Promise<AuditEntry[]>;
}

export const auditRow = (e: AuditEntry) => ({
  at: e.at,
  username: e.user,
  role: e.role,
  action: e.action,
  district: e.district ?? null,
  target: e.target,
  detail: e.detail === undefined ? null : JSON.stringify(e.detail),
});

export function auditLog(db: Db): AuditLog {
  return {
    async append(entry) {
      await db.insertInto('audit_log').values(auditRow(entry)).execute();
    },
    async list({ district, limit }) {
      let q = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit);
      if (district) q = q.where('district', '=', district);
      return (await q.execute()).map((r) => ({
        at: r.at,
        user: r.username,
        role: r.role,
        action: r.action as AuditEntry['action'],
        ...(r.district === null ? {} : { district: r.district as AuditEntry['district'] }),
        target: r.target,
        ...(r.detail === null ? {} : { detail: JSON.parse(r.detail) as Record<string, unknown> }),
      }));
    },
  };
}
