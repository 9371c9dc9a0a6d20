// Standalone dashboard: `node dist/dashboard-api/main.js` (env vars in dashboard-api/config.ts and the ALERTING_* files below).
// AlertingPort is an in-process contract (its reads are synchronous), so this process hosts the
// alerting service too: run it instead of alerting/main.js, not next to it on the same database.
import { existsSync } from 'node:fs';
import { AlertingConfigSchema } from '../alerting/config.js';
import { createInfluxStore } from '../alerting/influx-store.js';
import { loadNotificationConfig, parseNotificationConfig } from '../alerting/notification-config.js';
import { createNotifier } from '../alerting/notifier.js';
import { loadRulesFile } from '../alerting/rules-file.js';
import { createJobs, scheduleJobs } from '../alerting/schedules.js';
import { createAlertingService } from '../alerting/service.js';
import { readConfig } from '../lib/config.js';
import { connectInflux } from '../lib/influx/client.js';
import { influxConfigFromEnv } from '../lib/influx/env.js';
import { createMetricsRegistry } from '../lib/metrics.js';
import { projectPath } from '../lib/paths.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { runService, servicePassword } from '../lib/service-runner.js';
import { createTelemetryConsumer } from '../lib/telemetry-consumer.js';
import { DashboardConfigSchema } from './config.js';
import { startDashboardApi } from './server.js';

const ConfigSchema = DashboardConfigSchema.extend(
  AlertingConfigSchema.pick({ ALERTING_RULES_FILE: true, ALERTING_NOTIFICATIONS_FILE: true, ALERTING_SPOOL_DIR: true, ALERTING_REPORTS_DIR: true, ALERTING_CRON: true }).shape,
);

await runService('dashboard-api', async (logger) => {
  const config = readConfig(ConfigSchema);
  const registry = loadRegistryFile(projectPath(config.REGISTRY_FILE));
  const rules = loadRulesFile(projectPath(config.ALERTING_RULES_FILE));
  const notificationsFile = projectPath(config.ALERTING_NOTIFICATIONS_FILE);
  const notifications = existsSync(notificationsFile) ? loadNotificationConfig(notificationsFile) : parseNotificationConfig({ version: 1 });
  if (!existsSync(notificationsFile)) logger.warn({ file: notificationsFile }, 'no notifications file: alerts are stored and served but nobody is notified');
  const username = config.DASHBOARD_MQTT_USERNAME;
  const password = servicePassword(username, config.DASHBOARD_MQTT_PASSWORD, config.DEV_CREDENTIALS_FILE, 'DASHBOARD_MQTT_PASSWORD');

  const metrics = createMetricsRegistry('dashboard-api');
  const influx = await connectInflux(influxConfigFromEnv(config), logger);
  await influx.ensureDatabase();
  const store = createInfluxStore({ influx, logger, spoolDir: projectPath(config.ALERTING_SPOOL_DIR) });
  const notifier = createNotifier({ config: notifications, groupWaitMs: rules.groupWaitS * 1000, logger, metrics });
  // Persistent session: the alerting service must see what arrived while this process was down.
  const consumer = createTelemetryConsumer({ mqttUrl: config.MQTT_URL, username, password, clientId: config.DASHBOARD_MQTT_CLIENT_ID, registry, logger, metrics });
  const alerting = await createAlertingService({ registry, rules, store, notifier, states: consumer.states, logger, metrics });
  consumer.on('telemetry', (message, state) => alerting.handleTelemetry(message, state));
  await consumer.ready;
  alerting.start();
  const tasks = config.ALERTING_CRON
    ? scheduleJobs(createJobs({ service: alerting, store, notifier, registry, rules, reportsDir: projectPath(config.ALERTING_REPORTS_DIR), logger }), logger)
    : [];
  const api = await startDashboardApi({ config, registry, live: consumer, alerting, influx, rules, logger, metrics });
  logger.info({ event: 'started', url: api.url, stations: registry.stations.length }, `dashboard on ${api.url}`);
  return {
    async close() {
      for (const t of tasks) await t.stop();
      await api.close();
      await consumer.close();
      await alerting.close();
      await store.close();
      await influx.close();
    },
  };
});
