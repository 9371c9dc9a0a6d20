// Standalone ingest: `node dist/ingest/main.js` (env vars in ingest/config.ts).
import { loadDevCredentials } from '../broker/credentials.js';
import { readConfig } from '../lib/config.js';
import { connectInflux } from '../lib/influx/client.js';
import { influxConfigFromEnv } from '../lib/influx/env.js';
import { createLogger } from '../lib/logger.js';
import { createMetricsRegistry, serveMetrics } from '../lib/metrics.js';
import { projectPath } from '../lib/paths.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { IngestConfigSchema } from './config.js';
import { startIngest } from './ingest.js';

const logger = createLogger('ingest');

try {
  const config = readConfig(IngestConfigSchema);
  const registry = loadRegistryFile(projectPath(config.REGISTRY_FILE));
  const username = config.INGEST_MQTT_USERNAME;
  const password = config.INGEST_MQTT_PASSWORD ?? loadDevCredentials(projectPath(config.DEV_CREDENTIALS_FILE))[username];
  if (!password) throw new Error(`no password for ${username}: set INGEST_MQTT_PASSWORD (or generate dev credentials with the broker)`);

  const metrics = createMetricsRegistry('ingest');
  const influx = await connectInflux(influxConfigFromEnv(config), logger);
  await influx.ensureDatabase();
  const ingest = await startIngest({
    mqttUrl: config.MQTT_URL,
    username,
    password,
    clientId: config.INGEST_MQTT_CLIENT_ID,
    registry,
    logger,
    metrics,
    influx,
    writer: { spoolDir: projectPath(config.INGEST_SPOOL_DIR), batchSize: config.INGEST_BATCH_SIZE, flushMs: config.INGEST_FLUSH_MS },
  });
  const metricsServer = await serveMetrics([metrics], config.INGEST_METRICS_PORT, config.INGEST_METRICS_HOST);
  logger.info({ event: 'metrics_listening', port: metricsServer.port }, `metrics on http://${config.INGEST_METRICS_HOST}:${metricsServer.port}/metrics`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'shutdown', signal }, 'stopping ingest: flushing points');
    try {
      await ingest.close();
      await influx.close();
      await metricsServer.close();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'ingest did not stop cleanly');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
} catch (err) {
  logger.fatal({ err }, `ingest not started: ${(err as Error).message}`);
  process.exit(1);
}
