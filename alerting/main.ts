// Standalone alerting service: `node dist/alerting/main.js` (env vars in alerting/config.ts).
import { existsSync } from 'node:fs';
import { loadDevCredentials } from '../broker/credentials.js';
import { readConfig } from '../lib/config.js';
import { connectInflux } from '../lib/influx/client.js';
import { influxConfigFromEnv } from '../lib/influx/env.js';
import { createLogger } from '../lib/logger.js';
import { createMetricsRegistry, serveMetrics } from '../lib/metrics.js';
import { projectPath } from '../lib/paths.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { createTelemetryConsumer } from '../lib/telemetry-consumer.js';
import { AlertingConfigSchema } from './config.js';
import { createInfluxStore } from './influx-store.js';
import { loadNotificationConfig, parseNotificationConfig } from './notification-config.js';
import { createNotifier } from './notifier.js';
import { loadRulesFile } from './rules-file.js';
import { createJobs, scheduleJobs } from './schedules.js';
import { createAlertingService } from './service.js';

const logger = createLogger('alerting');

try {
  const config = readConfig(AlertingConfigSchema);
  const registry = loadRegistryFile(projectPath(config.REGISTRY_FILE));
  const rules = loadRulesFile(projectPath(config.ALERTING_RULES_FILE));
  const notificationsFile = projectPath(config.ALERTING_NOTIFICATIONS_FILE);
  const notifications = existsSync(notificationsFile) ? loadNotificationConfig(notificationsFile) : parseNotificationConfig({ version: 1 });
  if (!existsSync(notificationsFile)) logger.warn({ file: notificationsFile }, 'no notifications file: alerts are stored and served but nobody is notified');
  const username = config.ALERTING_MQTT_USERNAME;
  const password = config.ALERTING_MQTT_PASSWORD ?? loadDevCredentials(projectPath(config.DEV_CREDENTIALS_FILE))[username];
  if (!password) throw new Error(`no password for ${username}: set ALERTING_MQTT_PASSWORD (or generate dev credentials with the broker)`);

  const metrics = createMetricsRegistry('alerting');
  const influx = await connectInflux(influxConfigFromEnv(config), logger);
  await influx.ensureDatabase();
  const store = createInfluxStore({ influx, logger, spoolDir: projectPath(config.ALERTING_SPOOL_DIR) });
  const notifier = createNotifier({ config: notifications, groupWaitMs: rules.groupWaitS * 1000, logger, metrics });
  const consumer = createTelemetryConsumer({ mqttUrl: config.MQTT_URL, username, password, clientId: config.ALERTING_MQTT_CLIENT_ID, registry, logger, metrics });
  const service = await createAlertingService({ registry, rules, store, notifier, states: consumer.states, logger, metrics });
  consumer.on('telemetry', (message, state) => service.handleTelemetry(message, state));
  await consumer.ready;
  service.start();
  const tasks = config.ALERTING_CRON
    ? scheduleJobs(createJobs({ service, store, notifier, registry, rules, reportsDir: projectPath(config.ALERTING_REPORTS_DIR), logger }), logger)
    : [];
  const metricsServer = await serveMetrics(metrics, config.ALERTING_METRICS_PORT, config.ALERTING_METRICS_HOST);
  logger.info({ event: 'started', metricsPort: metricsServer.port, stations: registry.stations.length }, 'alerting service running');

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'shutdown', signal }, 'stopping alerting: flushing alert records and notifications');
    try {
      for (const t of tasks) await t.stop();
      await consumer.close();
      await service.close();
      await store.close();
      await influx.close();
      await metricsServer.close();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'alerting did not stop cleanly');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
} catch (err) {
  logger.fatal({ err }, `alerting not started: ${(err as Error).message}`);
  process.exit(1);
}
