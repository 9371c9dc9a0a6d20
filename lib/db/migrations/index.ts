import type { Migration } from 'kysely';
import type { DbDialect } from '../schema.js';
import { sharedState } from './0001-shared-state.js';
import { inspections } from './0002-inspections.js';
import { selfChecks } from './0003-self-checks.js';
import { alertState } from './0004-alert-state.js';
import { stationAcceptances } from './0005-station-acceptances.js';
import { scheduleRequests } from './0006-schedule-requests.js';
import { alertVersions } from './0007-alert-versions.js';

/**
 * Every migration, in order, by name. Append new ones (never edit an applied one): the Migrator
 * applies those a database has not seen, at start, under its own lock.
 */
export const migrations = (dialect: DbDialect): Record<string, Migration> => ({
  '0001-shared-state': sharedState(dialect),
  '0002-inspections': inspections(dialect),
  '0003-self-checks': selfChecks(),
  '0004-alert-state': alertState(),
  '0005-station-acceptances': stationAcceptances(),
  '0006-schedule-requests': scheduleRequests(dialect),
  '0007-alert-versions': alertVersions(),
});
