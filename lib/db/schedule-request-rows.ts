import type { Selectable } from 'kysely';
import type { ClosureReason, ScheduleChange, ScheduleRequestState } from '../../domain/schedule-requests.js';
import type { WeekHours } from '../../domain/schedule.js';
import type { Db } from './database.js';
import type { ScheduleRequestsTable } from './schema.js';

// A schedule_requests row as the domain sees it: read by the dashboard (requests and decisions) and
// by the alerting service (the approved ones, its stations' schedules), so both read it one way.

export type ScheduleRequest = ScheduleChange & {
  id: number;
  stationId: string;
  district: string;
  state: ScheduleRequestState;
  note: string;
  requestedBy: string;
  requestedAt: number;
  decidedBy?: string;
  decidedAt?: number;
  decisionNote?: string;
};

export function scheduleRequestOf(r: Selectable<ScheduleRequestsTable>): ScheduleRequest {
  const change: ScheduleChange =
    r.kind === 'closure'
      ? { kind: 'closure', from: r.closure_from!, to: r.closure_to!, reason: r.closure_reason as ClosureReason }
      : { kind: 'schedule', effectiveFrom: r.effective_from!, hours: JSON.parse(r.hours!) as WeekHours };
  return {
    id: Number(r.id),
    stationId: r.station_id,
    district: r.district,
    state: r.state as ScheduleRequestState,
    ...change,
    note: r.note,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    ...(r.decided_by === null ? {} : { decidedBy: r.decided_by, decidedAt: r.decided_at! }),
    ...(r.decision_note === null ? {} : { decisionNote: r.decision_note }),
  };
}

/** Every approved request, oldest first. */
export async function approvedScheduleRequests(db: Db): Promise<ScheduleRequest[]> {
  return (await db.selectFrom('schedule_requests').selectAll().where('state', '=', 'approved').orderBy('id').execute()).map(scheduleRequestOf);
}
