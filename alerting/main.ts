// Standalone alerting service: `node dist/alerting/main.js` (env vars in alerting/config.ts).
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
import { AlertingConfigSchema } from './config.js';
import { hostAlerting } from './host.js';

await runService('alerting', async (logger) => {
  const config = readConfig(AlertingConfigSchema);
  const registry = loadRegistryFile(projectPath(config.REGISTRY_FILE));
  const username = config.ALERTING_MQTT_USERNAME;
  const password = servicePassword(username, config.ALERTING_MQTT_PASSWORD, config.DEV_CREDENTIALS_FILE, 'ALERTING_MQTT_PASSWORD');

  const metrics = createMetricsRegistry('alerting');
  const influx = await connectInflux(influxConfigFromEnv(config), logger);
  await influx.ensureDatabase();
  const database = await openDatabase(config.DATABASE_URL, logger);
  const consumer = createTelemetryConsumer({
    mqttUrl: config.MQTT_URL,
    username,
    password,
    clientId: config.ALERTING_MQTT_CLIENT_ID,
    registry,
    logger,
    metrics,
  });
  const alerting = await hostAlerting({ config, registry, influx, db: database.db, consumer, logger, metrics });
  const metricsServer = await serveMetrics(metrics, config.ALERTING_METRICS_PORT, config.ALERTING_METRICS_HOST);
  logger.info({ event: 'started', metricsPort: metricsServer.port, stations: registry.stations.length }, 'alerting service running');
  return {
    async close() {
      await consumer.close();
      await alerting.close();
      await influx.close();
      await database.close();
      await metricsServer.close();
    },
  };
});
