import type { ScheduleChange, ScheduleRequestStep } from '../domain/schedule-requests.js';
import { SCHEDULE_REQUEST_STEPS, type ScheduleRequestState } from '../domain/schedule-requests.js';
import type { Db } from '../lib/db/database.js';
import { scheduleRequestOf, type ScheduleRequest } from '../lib/db/schedule-request-rows.js';

// Declared closures and schedule changes in the database. A step applies only from the states it
// allows, checked in the same statement that writes it, so two people acting at once cannot both win.

export type { ScheduleRequest };

export interface ScheduleRequestFilter {
  district?: string;
  stationId?: string;
  states?: readonly ScheduleRequestState[];
}

export interface ScheduleRequestStore {
  create(r: ScheduleChange & { stationId: string; district: string; note: string; by: string; at: number }): Promise<ScheduleRequest>;
  get(id: number): Promise<ScheduleRequest | undefined>;
  /** Newest first. */
  list(filter: ScheduleRequestFilter): Promise<ScheduleRequest[]>;
  /** The request after the step, or null when its state does not allow the step (any more). */
  step(id: number, step: ScheduleRequestStep, o: { by: string; at: number; note?: string }): Promise<ScheduleRequest | null>;
}

export function scheduleRequestStore(db: Db): ScheduleRequestStore {
  const get = async (id: number): Promise<ScheduleRequest | undefined> => {
    const row = await db.selectFrom('schedule_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return row && scheduleRequestOf(row);
  };
  return {
    get,
    async create(r) {
      const row = await db
        .insertInto('schedule_requests')
        .values({
          station_id: r.stationId,
          district: r.district,
          kind: r.kind,
          state: 'pending',
          closure_from: r.kind === 'closure' ? r.from : null,
          closure_to: r.kind === 'closure' ? r.to : null,
          closure_reason: r.kind === 'closure' ? r.reason : null,
          effective_from: r.kind === 'schedule' ? r.effectiveFrom : null,
          hours: r.kind === 'schedule' ? JSON.stringify(r.hours) : null,
          note: r.note,
          requested_by: r.by,
          requested_at: r.at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (await get(Number(row.id)))!;
    },
    async list({ district, stationId, states }) {
      let q = db.selectFrom('schedule_requests').selectAll().orderBy('id', 'desc');
      if (district) q = q.where('district', '=', district);
      if (stationId) q = q.where('station_id', '=', stationId);
      if (states) q = q.where('state', 'in', states);
      return (await q.execute()).map(scheduleRequestOf);
    },
    async step(id, step, o) {
      const rule = SCHEDULE_REQUEST_STEPS[step];
      const updated = await db
        .updateTable('schedule_requests')
        .set({ state: rule.to, decided_by: o.by, decided_at: o.at, decision_note: o.note ?? null })
        .where('id', '=', id)
        .where('state', 'in', rule.from as readonly string[])
        .executeTakeFirst();
      return updated.numUpdatedRows > 0n ? ((await get(id)) ?? null) : null;
    },
  };
}
