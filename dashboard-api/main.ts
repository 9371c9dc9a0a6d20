// Standalone dashboard: `node dist/dashboard-api/main.js` (env vars in dashboard-api/config.ts and the ALERTING_* files below).
// AlertingPort is an in-process contract (its reads are synchronous), so this process hosts the
// alerting service too: run it instead of alerting/main.js, not next to it on the same database.
import { AlertingConfigSchema } from '../alerting/config.js';
import { hostAlerting } from '../alerting/host.js';
import { readConfig } from '../lib/config.js';
import { openDatabase } from '../lib/db/database.js';
import { connectInflux } from '../lib/influx/client.js';
import { influxConfigFromEnv } from '../lib/influx/env.js';
import { createMetricsRegistry, serveMetrics } from '../lib/metrics.js';
import { projectPath } from '../lib/paths.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { servicePassword } from '../lib/dev-credentials.js';
import { runService } from '../lib/service-runner.js';
import { createTelemetryConsumer } from '../lib/telemetry-consumer.js';
import { DashboardConfigSchema } from './config.js';
import { startDashboardApi } from './server.js';

const ConfigSchema = DashboardConfigSchema.extend(
  AlertingConfigSchema.pick({
    ALERTING_RULES_FILE: true,
    ALERTING_NOTIFICATIONS_FILE: true,
    ALERTING_SPOOL_DIR: true,
    ALERTING_REPORTS_DIR: true,
    ALERTING_CRON: true,
  }).shape,
);

await runService('dashboard-api', async (logger) => {
  const config = readConfig(ConfigSchema);
  const registry = loadRegistryFile(projectPath(config.REGISTRY_FILE));
  const username = config.DASHBOARD_MQTT_USERNAME;
  const password = servicePassword(username, config.DASHBOARD_MQTT_PASSWORD, config.DEV_CREDENTIALS_FILE, 'DASHBOARD_MQTT_PASSWORD');

  const metrics = createMetricsRegistry('dashboard-api');
  const influx = await connectInflux(influxConfigFromEnv(config), logger);
  await influx.ensureDatabase();
  const database = await openDatabase(config.DATABASE_URL, logger);
  // Persistent session: the alerting service must see what arrived while this process was down.
  const consumer = createTelemetryConsumer({
    mqttUrl: config.MQTT_URL,
    username,
    password,
    clientId: config.DASHBOARD_MQTT_CLIENT_ID,
    registry,
    logger,
    metrics,
  });
  const alerting = await hostAlerting({ config, registry, influx, db: database.db, consumer, logger, metrics });
  const api = await startDashboardApi({
    config,
    registry,
    live: consumer,
    alerting: alerting.service,
    influx,
    db: database.db,
    rules: alerting.rules,
    logger,
    metrics,
  });
  const metricsServer = await serveMetrics(metrics, config.DASHBOARD_METRICS_PORT, config.DASHBOARD_METRICS_HOST);
  logger.info({ event: 'started', url: api.url, metricsPort: metricsServer.port, stations: registry.stations.length }, `dashboard on ${api.url}`);
  return {
    async close() {
      await metricsServer.close();
      await api.close();
      await alerting.close();
      await consumer.close();
      await influx.close();
      await database.close();
    },
  };
});
