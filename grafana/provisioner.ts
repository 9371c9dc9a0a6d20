import { createHash } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import type { DashboardJson } from './board.js';
import type { InfluxDatasourceModel } from './datasource.js';
import type { GrafanaApi } from './grafana-api.js';

// Creates or updates the folder, the data source and every board. Idempotent: stable uids, and a
// board saved from the same generated JSON is left alone, so a second run changes nothing.
// Grafana changes a board when it stores it (id, version, migrations, defaults), so the stored
// JSON is never compared with ours: each save carries the hash of our JSON in SOURCE_HASH_FIELD.
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

/**
 * A top-level field of ours in each saved board: Grafana keeps fields it does not know, and its
 * UI, which rebuilds the JSON from its own model when it saves, drops it, so a board edited there
 * no longer matches and is written again.
 */
export const SOURCE_HASH_FIELD = 'qdyzSourceHash';

const sourceHash = (board: DashboardJson): string => createHash('sha256').update(JSON.stringify(board)).digest('hex');

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
    const hash = sourceHash(board);
    if (stored && stored.meta.folderUid === folder.uid && stored.dashboard[SOURCE_HASH_FIELD] === hash) {
      outcome = 'unchanged';
    } else {
      const json = { ...board, [SOURCE_HASH_FIELD]: hash, id: null, ...(stored ? { version: stored.dashboard.version } : {}) };
      const saved = await api.saveDashboard(json as DashboardJson, folder.uid, overwrite);
      outcome = stored ? 'updated' : 'created';
      version = saved.version;
    }
    dashboards.push({ uid: board.uid, title: board.title, outcome, version });
    logger.info({ dashboard: board.uid, outcome, version }, 'Grafana dashboard');
  }
  return { folder: folderOutcome, datasource: datasourceOutcome, datasourceHealth, dashboards };
}
