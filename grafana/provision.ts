import { Command } from 'commander';
import { pathToFileURL } from 'node:url';
import { ConfigError, readConfig } from '../lib/config.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { ProvisionConfigSchema, type ProvisionConfig } from './config.js';
import { buildDashboards } from './dashboards/index.js';
import { influxDatasource } from './datasource.js';
import { createGrafanaApi, GrafanaError } from './grafana-api.js';
import { FOLDER, provision, type ProvisionReport } from './provisioner.js';

// npm run grafana:provision -- --url https://grafana.example --token glsa_… [--influx-url …]
// Pushes the folder, the InfluxDB data source and every board to a running Grafana.

/** Flag → the environment variable it stands for (ProvisionConfigSchema documents both). */
const FLAGS: Record<string, keyof ProvisionConfig> = {
  url: 'GRAFANA_URL',
  token: 'GRAFANA_TOKEN',
  folderTitle: 'GRAFANA_FOLDER_TITLE',
  influxUrl: 'GRAFANA_INFLUX_URL',
  influxDatabase: 'INFLUX_DATABASE',
  influxToken: 'INFLUX_TOKEN',
  influxUser: 'INFLUX_USERNAME',
  influxPassword: 'INFLUX_PASSWORD',
  force: 'GRAFANA_OVERWRITE',
};

export function provisionCommand(env: Record<string, string | undefined> = process.env, logger: Logger = createLogger('grafana-provision')): Command {
  return new Command('grafana:provision')
    .description('Create or update the QDYZ folder, InfluxDB data source and dashboards in Grafana over its HTTP API (idempotent)')
    .option('--url <url>', 'Grafana base URL [GRAFANA_URL]')
    .option('--token <token>', 'service-account token [GRAFANA_TOKEN]')
    .option('--folder-title <title>', `folder title [GRAFANA_FOLDER_TITLE] (default "${FOLDER.title}")`)
    .option('--influx-url <url>', 'InfluxDB URL as Grafana reaches it [GRAFANA_INFLUX_URL]')
    .option('--influx-database <name>', 'database (1.x) or bucket (2.x) [INFLUX_DATABASE]')
    .option('--influx-token <token>', 'InfluxDB 2.x token [INFLUX_TOKEN]')
    .option('--influx-user <user>', 'InfluxDB 1.x user [INFLUX_USERNAME]')
    .option('--influx-password <password>', 'InfluxDB 1.x password [INFLUX_PASSWORD]')
    .option('--force', 'overwrite boards changed in Grafana meanwhile [GRAFANA_OVERWRITE]')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const merged: Record<string, string | undefined> = { ...env };
      for (const [flag, name] of Object.entries(FLAGS)) {
        const value = opts[flag];
        if (value !== undefined) merged[name] = String(value);
      }
      const config = readConfig(ProvisionConfigSchema, merged);
      const report = await provision({
        api: createGrafanaApi({ url: config.GRAFANA_URL, token: config.GRAFANA_TOKEN }),
        datasource: influxDatasource({
          url: config.GRAFANA_INFLUX_URL,
          database: config.INFLUX_DATABASE,
          auth: config.INFLUX_TOKEN ? { kind: 'v2', token: config.INFLUX_TOKEN } : { kind: 'v1', username: config.INFLUX_USERNAME, password: config.INFLUX_PASSWORD },
        }),
        dashboards: buildDashboards(),
        folder: { uid: FOLDER.uid, title: config.GRAFANA_FOLDER_TITLE },
        overwrite: config.GRAFANA_OVERWRITE,
        logger,
      });
      process.stdout.write(summary(report, config.GRAFANA_URL));
    });
}

export function summary(report: ProvisionReport, url: string): string {
  const lines = [
    `folder      ${FOLDER.uid}: ${report.folder}`,
    `data source ${report.datasource} (health: ${report.datasourceHealth})`,
    ...report.dashboards.map((d) => `dashboard   ${d.uid}: ${d.outcome} (version ${d.version ?? '?'}) ${url.replace(/\/+$/, '')}/d/${d.uid}`),
  ];
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  provisionCommand()
    .parseAsync()
    .catch((err: unknown) => {
      // Known failures get their own message, not a stack trace.
      const known = err instanceof GrafanaError || err instanceof ConfigError;
      process.stderr.write(`grafana:provision failed: ${known ? (err as Error).message : String((err as Error).stack ?? err)}\n`);
      process.exitCode = 1;
    });
}
