import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../lib/logger.js';
import type { DashboardJson } from './board.js';
import type { InfluxDatasourceModel } from './datasource.js';
import type { GrafanaApi } from './grafana-api.js';

// Creates or updates the folder, the data source and every board. Idempotent: stable uids, and a
// board whose stored JSON already equals ours is left alone, so a second run changes nothing.
// Updates carry the version read, so a board edited in Grafana meanwhile is not silently
// overwritten (412) unless `overwrite` is set.

export const FOLDER = { uid: 'qdyz', title: '户外劳动者驿站 Outdoor worker stations' } as const;

export type Outcome = 'created' | 'updated' | 'unchanged';

export interface ProvisionReport {
  folder: Outcome;
  datasource: Exclude<Outcome, 'unchanged'>;
  datasourceHealth: string;
  dashboards: Array<{ uid: string; title: string; outcome: Outcome; version?: number }>;
}

export interface ProvisionInput {
  api: GrafanaApi;
  datasource: InfluxDatasourceModel;
  dashboards: DashboardJson[];
  folder?: { uid: string; title: string };
  /** Overwrite boards and the folder even when they changed in Grafana since they were read. */
  overwrite?: boolean;
  logger: Logger;
}

/** What Grafana adds when it stores a board; everything else must match ours. */
const withoutServerFields = ({ id: _id, version: _version, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;

export async function provision(input: ProvisionInput): Promise<ProvisionReport> {
  const { api, logger } = input;
  const folder = input.folder ?? FOLDER;
  const overwrite = input.overwrite ?? false;
  await api.health();

  let folderOutcome: Outcome = 'unchanged';
  const existingFolder = await api.getFolder(folder.uid);
  if (!existingFolder) {
    await api.createFolder(folder.uid, folder.title);
    folderOutcome = 'created';
  } else if (existingFolder.title !== folder.title) {
    await api.updateFolder(folder.uid, folder.title, existingFolder.version, overwrite);
    folderOutcome = 'updated';
  }
  logger.info({ folder: folder.uid, outcome: folderOutcome }, 'Grafana folder');

  // Secrets cannot be read back to compare, so an existing data source is always written again.
  const datasourceOutcome = (await api.datasourceExists(input.datasource.uid)) ? 'updated' : 'created';
  if (datasourceOutcome === 'created') await api.createDatasource(input.datasource);
  else await api.updateDatasource(input.datasource);
  const datasourceHealth = await api.checkDatasource(input.datasource.uid);
  logger.info({ datasource: input.datasource.uid, outcome: datasourceOutcome, health: datasourceHealth }, 'Grafana data source');

  const dashboards: ProvisionReport['dashboards'] = [];
  for (const board of input.dashboards) {
    const stored = await api.getDashboard(board.uid);
    let outcome: Outcome;
    let version = stored?.dashboard.version;
    if (stored && stored.meta.folderUid === folder.uid && isDeepStrictEqual(withoutServerFields(stored.dashboard), withoutServerFields(board))) {
      outcome = 'unchanged';
    } else {
      const saved = await api.saveDashboard({ ...board, id: null, ...(stored ? { version: stored.dashboard.version } : {}) } as DashboardJson, folder.uid, overwrite);
      outcome = stored ? 'updated' : 'created';
      version = saved.version;
    }
    dashboards.push({ uid: board.uid, title: board.title, outcome, version });
    logger.info({ dashboard: board.uid, outcome, version }, 'Grafana dashboard');
  }
  return { folder: folderOutcome, datasource: datasourceOutcome, datasourceHealth, dashboards };
}
