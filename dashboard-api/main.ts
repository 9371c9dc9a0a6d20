// Standalone dashboard: `node dist/dashboard-api/main.js` (env vars in dashboard-api/config.ts and the ALERTING_* files below).
// AlertingPort is an in-process contract (its reads are synchronous), so this process hosts the
// alerting service too: run it instead of alerting/main.js, not next to it on the same database.
// With DASHBOARD_REDIS_URL it is one of several nodes: each hosts the alerting as a follower and
// one at a time leads it (alerting/leadership.ts).
import { AlertingConfigSchema } from '../alerting/config.js';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { hostAlerting, type AlertingRole } from '../alerting/host.js';
import { startAlertingNode } from '../alerting/leadership.js';
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
  const nodeId = config.DASHBOARD_NODE_ID ?? hostname();
  const redis = config.DASHBOARD_REDIS_URL ? new Redis(config.DASHBOARD_REDIS_URL, { lazyConnect: true }) : undefined;
  if (redis) {
    redis.on('error', (err: Error) => logger.warn({ event: 'redis_error', err: err.message }, 'Redis connection error (retrying)'));
    await redis.connect();
  }
  // One process: a persistent session, so the alerting service sees what arrived while it was down.
  // Several nodes: a clean session per node. The node that takes the lead has been subscribed all
  // along as a follower, so nothing is missed across a hand-over, and a node that is gone for good
  // leaves no queue on the broker to fill its bound and hold every station's PUBACK.
  const consumer = createTelemetryConsumer({
    mqttUrl: config.MQTT_URL,
    username,
    password,
    clientId: redis ? `${config.DASHBOARD_MQTT_CLIENT_ID}-${nodeId}` : config.DASHBOARD_MQTT_CLIENT_ID,
    clean: redis !== undefined,
    registry,
    logger,
    metrics,
  });
  const host = (role: AlertingRole) => hostAlerting({ config, registry, influx, db: database.db, consumer, logger, metrics, role });
  const alerting = redis
    ? await startAlertingNode({
        redis,
        nodeId,
        leaseMs: config.DASHBOARD_LEADER_LEASE_MS,
        mirrorRefreshMs: 2000,
        db: database.db,
        host,
        logger,
        metrics,
      })
    : await (async () => {
        const single = await host({ kind: 'single' });
        return { port: single.service, rules: single.rules, close: () => single.close() };
      })();
  const api = await startDashboardApi({
    config,
    registry,
    live: consumer,
    alerting: alerting.port,
    influx,
    db: database.db,
    rules: alerting.rules,
    logger,
    metrics,
    ...(redis ? { redis } : {}),
  });
  const metricsServer = await serveMetrics(metrics, config.DASHBOARD_METRICS_PORT, config.DASHBOARD_METRICS_HOST);
  logger.info(
    { event: 'started', url: api.url, metricsPort: metricsServer.port, stations: registry.stations.length, node: redis ? nodeId : undefined },
    `dashboard on ${api.url}`,
  );
  return {
    async close() {
      await metricsServer.close();
      await api.close();
      await alerting.close();
      await consumer.close();
      redis?.disconnect();
      await influx.close();
      await database.close();
    },
  };
});
