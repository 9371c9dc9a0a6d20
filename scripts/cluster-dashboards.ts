// The dashboard tier of the one-machine cluster: a private PostgreSQL (var/cluster/postgres, kept
// between runs) unless DATABASE_URL names one, M dashboard nodes on the given Redis, and HAProxy in
// front. Needs a broker, InfluxDB and Redis already running (npm run cluster starts those).
// Usage: npm run build && npm run cluster:dashboards -- --redis redis://127.0.0.1:6379 [--nodes 2] [--port 8080]
// The nodes read the rest of their settings from the environment (MQTT_URL, INFLUX_*, DEV_CREDENTIALS_FILE…).
import { Command } from 'commander';
import { projectPath } from '../lib/paths.js';
import { runService } from '../lib/service-runner.js';
import { CLUSTER_DEV_JWT_SECRET, startDashboardTier, tierDatabase } from './dashboard-tier.js';

const opts = new Command('cluster-dashboards')
  .description('M dashboard nodes on one Redis and PostgreSQL behind HAProxy')
  .requiredOption('--redis <url>', 'Redis of the cluster', process.env.DASHBOARD_REDIS_URL)
  .option('--nodes <n>', 'dashboard nodes', (v) => Number.parseInt(v, 10), 2)
  .option('--port <port>', 'port of the balancer on 127.0.0.1', (v) => Number.parseInt(v, 10), 8080)
  .parse()
  .opts<{ redis: string; nodes: number; port: number }>();

await runService('cluster-dashboards', async (logger, { parts }) => {
  const database = parts.add(await tierDatabase(projectPath('var/cluster/postgres'), logger), (d) => d.stop());
  const tier = parts.add(
    await startDashboardTier({
      nodes: opts.nodes,
      port: opts.port,
      redisUrl: opts.redis,
      databaseUrl: database.url,
      env: { DASHBOARD_JWT_SECRET: CLUSTER_DEV_JWT_SECRET, ...process.env },
      nodeEnv: (id) => ({ ALERTING_SPOOL_DIR: `var/cluster/${id}/spool`, ALERTING_REPORTS_DIR: `var/cluster/${id}/reports` }),
      onLine: (_id, line) => process.stdout.write(`${line}\n`),
    }),
    (t) => t.close(),
  );
  logger.info({ event: 'started', url: tier.url, nodes: tier.nodes.map((n) => ({ id: n.id, url: n.url })) }, `dashboards on ${tier.url}`);
});
