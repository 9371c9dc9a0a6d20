// Standalone ingest: `node dist/ingest/main.js` (env vars in ingest/config.ts).
import { readConfig } from '../lib/config.js';
import { openInflux } from '../lib/influx/client.js';
import { influxConfigFromEnv } from '../lib/influx/env.js';
import { createMetricsRegistry, serveMetrics } from '../lib/metrics.js';
import { projectPath } from '../lib/paths.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { servicePassword } from '../lib/dev-credentials.js';
import { runService } from '../lib/service-runner.js';
import { IngestConfigSchema, ingestSettings } from './config.js';
import { startIngest } from './ingest.js';

await runService('ingest', async (logger) => {
  const config = readConfig(IngestConfigSchema);
  const registry = loadRegistryFile(projectPath(config.REGISTRY_FILE));
  const username = config.INGEST_MQTT_USERNAME;
  const password = servicePassword(username, config.INGEST_MQTT_PASSWORD, config.DEV_CREDENTIALS_FILE, 'INGEST_MQTT_PASSWORD');

  const metrics = createMetricsRegistry('ingest');
  // The ingest starts without InfluxDB: points wait in the write-ahead log until it answers.
  const influx = openInflux(influxConfigFromEnv(config), logger);
  const settings = ingestSettings(config, registry);
  const ingest = await startIngest({
    mqttUrl: config.MQTT_URL,
    username,
    password,
    registry,
    logger,
    metrics,
    influx,
    ...settings,
    writer: { ...settings.writer, prepare: () => influx.ensureDatabase() },
  });
  const metricsServer = await serveMetrics(metrics, config.INGEST_METRICS_PORT, config.INGEST_METRICS_HOST);
  logger.info({ event: 'metrics_listening', port: metricsServer.port }, `metrics on http://${config.INGEST_METRICS_HOST}:${metricsServer.port}/metrics`);
  return {
    close: async () => {
      await ingest.close();
      await influx.close();
      await metricsServer.close();
    },
  };
});
