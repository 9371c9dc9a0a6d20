import { existsSync } from 'node:fs';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Registry } from '../domain/registry.js';
import type { Telemetry } from '../domain/telemetry.js';
import type { Db } from '../lib/db/database.js';
import type { Influx } from '../lib/influx/client.js';
import type { Logger } from '../lib/logger.js';
import { projectPath } from '../lib/paths.js';
import type { TelemetryConsumer } from '../lib/telemetry-feed.js';
import type { AlertingConfig } from './config.js';
import { importInfluxRecords } from './influx-import.js';
import { createInfluxStore } from './influx-store.js';
import { manualRecords } from './manual-records.js';
import { loadNotificationConfig, parseNotificationConfig } from './notification-config.js';
import { createNotifier } from './notifier.js';
import { loadRulesFile } from './rules-file.js';
import type { RulesConfig } from '../rules/rule-config.js';
import { createJobs, scheduleJobs } from './schedules.js';
import { createAlertingService, type AlertingService } from './service.js';
import { sharedAlertStore, type AlertMirror, type FencedError } from './shared-alerts.js';
import type { AlertStore } from './store.js';

export type AlertingFiles = Pick<
  AlertingConfig,
  'ALERTING_RULES_FILE' | 'ALERTING_NOTIFICATIONS_FILE' | 'ALERTING_SPOOL_DIR' | 'ALERTING_REPORTS_DIR' | 'ALERTING_CRON'
>;

/**
 * How this process takes part in the alerting: alone (one process, the default), or as one of several
 * dashboard nodes — the leader holding the lease (its fencing token; valid() while surely held), or a
 * follower showing the leader's alerts from the shared table.
 */
export type AlertingRole =
  | { kind: 'single' }
  | { kind: 'leader'; fence: number; valid: () => boolean; onFenced: (err: FencedError) => void }
  | { kind: 'follower'; mirror: AlertMirror };

export interface HostedAlerting {
  service: AlertingService;
  /** The rules it judges with; the dashboard's online/open-now judgement uses the same thresholds. */
  rules: RulesConfig;
  /** Stops judging and the schedules, then stores what is pending. */
  close(): Promise<void>;
}

/**
 * Wires the alerting service onto a live telemetry feed — rules file, InfluxDB store, database records, notifier,
 * scheduled jobs — the same way in every process that hosts it (alerting, dashboard-api, platform).
 */
export async function hostAlerting(o: {
  config: AlertingFiles;
  registry: Registry;
  influx: Influx;
  /** Silences and attestations; the caller opens and closes it. */
  db: Db;
  consumer: TelemetryConsumer;
  logger: Logger;
  metrics: MetricsRegistry;
  role?: AlertingRole;
}): Promise<HostedAlerting> {
  const { config, registry, influx, db, consumer, logger, metrics } = o;
  const role = o.role ?? { kind: 'single' };
  const rules = loadRulesFile(projectPath(config.ALERTING_RULES_FILE));
  const notificationsFile = projectPath(config.ALERTING_NOTIFICATIONS_FILE);
  const configured = existsSync(notificationsFile);
  if (!configured) logger.warn({ file: notificationsFile }, 'no notifications file: alerts are stored and served but nobody is notified');
  const notifications = configured ? loadNotificationConfig(notificationsFile) : parseNotificationConfig({ version: 1 });

  await importInfluxRecords(db, influx, logger);
  const history = createInfluxStore({ influx, logger, spoolDir: projectPath(config.ALERTING_SPOOL_DIR) });
  let store: AlertStore = history;
  let beforeSend: (() => Promise<boolean>) | undefined;
  if (role.kind === 'leader') {
    // Alert state is stored under the fencing token before any notification about it leaves.
    const shared = sharedAlertStore({ history, db, fence: role.fence, logger, onFenced: role.onFenced });
    store = shared;
    beforeSend = async () => (await shared.flushShared(), role.valid());
  } else if (role.kind === 'follower') {
    // A follower's own alert book is never used: it shows the mirror.
    store = { ...history, loadAlerts: async () => ({ latest: [], resolved: [] }) };
  }
  const notifier = createNotifier({ config: notifications, groupWaitMs: rules.groupWaitS * 1000, logger, metrics, beforeSend });
  const records = manualRecords(db);
  const service = await createAlertingService({
    registry,
    rules,
    store,
    records,
    notifier,
    states: consumer.states,
    logger,
    metrics,
    ...(role.kind === 'follower' ? { follower: role.mirror } : {}),
  });
  const judge = (message: Telemetry): void => service.handleTelemetry(message);
  consumer.on('telemetry', judge);
  await consumer.ready;
  service.start();
  const tasks =
    config.ALERTING_CRON && role.kind !== 'follower'
      ? scheduleJobs(createJobs({ service, store, notifier, records, registry, rules, reportsDir: projectPath(config.ALERTING_REPORTS_DIR), logger }), logger)
      : [];
  return {
    service,
    rules,
    async close() {
      consumer.off('telemetry', judge);
      for (const task of tasks) await task.stop();
      await service.close();
      await store.close();
    },
  };
}
