// Standalone broker: `node dist/broker/main.js` (env vars in broker/config.ts).
import { existsSync } from 'node:fs';
import { IngestConfigSchema, ingestSettings } from '../ingest/config.js';
import { startEmbeddedIngest } from '../ingest/ingest.js';
import { readConfig } from '../lib/config.js';
import { openInflux } from '../lib/influx/client.js';
import { influxConfigFromEnv } from '../lib/influx/env.js';
import { createMetricsRegistry, serveMetrics } from '../lib/metrics.js';
import { projectPath } from '../lib/paths.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { runService } from '../lib/service-runner.js';
import { startBroker } from './broker.js';
import { BrokerConfigSchema, brokerListenOptions } from './config.js';
import { ensureDevCredentials, loadAccountsFile, openAccountStore } from './credentials.js';

await runService('broker', async (logger) => {
  const config = readConfig(BrokerConfigSchema);
  const registry = loadRegistryFile(projectPath(config.REGISTRY_FILE));
  const accountsFile = projectPath(config.BROKER_ACCOUNTS_FILE);
  if (!config.BROKER_DEV_CREDENTIALS && !existsSync(accountsFile)) {
    throw new Error(
      `no broker accounts file ${accountsFile}: create one with \`npm run credentials -- generate\`, or set BROKER_DEV_CREDENTIALS=true for a development set-up`,
    );
  }
  const accounts = config.BROKER_DEV_CREDENTIALS
    ? (await ensureDevCredentials(registry, { accountsFile, devCredentialsFile: projectPath(config.DEV_CREDENTIALS_FILE) }, logger)).accounts
    : openAccountStore(accountsFile);

  const metrics = createMetricsRegistry('broker');
  // BROKER_INGEST=embedded: this node writes its clients' telemetry itself, before each PUBACK (ingest.ts);
  // it starts first and closes last, so nothing the node accepts misses it.
  const ingest = config.BROKER_INGEST === 'embedded' ? await startNodeIngest() : null;
  const broker = await startBroker({ registry, accounts, logger, metrics, ...brokerListenOptions(config), beforePuback: ingest?.beforePuback });
  const metricsServer = await serveMetrics(metrics, config.BROKER_METRICS_PORT, config.MQTT_HOST);
  logger.info({ event: 'metrics_listening', port: metricsServer.port }, `metrics on http://${config.MQTT_HOST}:${metricsServer.port}/metrics`);

  // SIGHUP re-reads the accounts file: rotated credentials take effect without dropping connected stations.
  process.on('SIGHUP', () => {
    try {
      accounts.replace(loadAccountsFile(accountsFile));
      logger.info({ event: 'accounts_reloaded', accounts: accounts.size }, 'accounts file reloaded');
    } catch (err) {
      logger.error({ event: 'accounts_reload_failed', err }, 'accounts file not reloaded; keeping the previous accounts');
    }
  });
  return {
    async close() {
      await Promise.all([broker.close(), metricsServer.close()]);
      await ingest?.close();
    },
  };

  async function startNodeIngest() {
    const ingestConfig = readConfig(IngestConfigSchema);
    // Like the standalone ingest, it starts without InfluxDB: points wait in the write-ahead log until it answers.
    const influx = openInflux(influxConfigFromEnv(ingestConfig), logger);
    const { clientId, maxAgeMs, writer } = ingestSettings(ingestConfig, registry);
    const ingest = await startEmbeddedIngest({
      clientId,
      maxAgeMs,
      writer: { ...writer, prepare: () => influx.ensureDatabase() },
      influx,
      registry,
      logger,
      metrics,
    });
    return { beforePuback: ingest.beforePuback, close: () => ingest.close().then(() => influx.close()) };
  }
});
