import { Command, Option } from 'commander';
import { pathToFileURL } from 'node:url';
import { ConfigError, readConfig } from '../lib/config.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { ProvisionConfigSchema, type ProvisionConfig } from './config.js';
import { buildDashboards } from './dashboards/index.js';
import { influxDatasource, type InfluxAuth } from './datasource.js';
import { createGrafanaApi, GrafanaError } from './grafana-api.js';
import { FOLDER, provision, type ProvisionReport } from './provisioner.js';

// npm run grafana:provision -- --url https://grafana.example --token glsa_… [--influx-url …]
// Pushes the folder, the InfluxDB data source and every board to a running Grafana.

type Setting = keyof ProvisionConfig;

/** Each setting's flag; its help text is the setting's description in ProvisionConfigSchema. */
const FLAGS = {
  GRAFANA_URL: '--url <url>',
  GRAFANA_TOKEN: '--token <token>',
  GRAFANA_FOLDER_TITLE: '--folder-title <title>',
  GRAFANA_INFLUX_URL: '--influx-url <url>',
  INFLUX_DATABASE: '--influx-database <name>',
  INFLUX_TOKEN: '--influx-token <token>',
  INFLUX_USERNAME: '--influx-user <user>',
  INFLUX_PASSWORD: '--influx-password <password>',
  GRAFANA_OVERWRITE: '--force',
} as const satisfies Record<Setting, string>;

const V2_AUTH: Setting[] = ['INFLUX_TOKEN'];
const V1_AUTH: Setting[] = ['INFLUX_USERNAME', 'INFLUX_PASSWORD'];

const flagOf = (setting: Setting): string => FLAGS[setting].split(' ')[0]!;

/**
 * 2.x token or 1.x user and password. INFLUX_TOKEN is often in the environment for the services,
 * so a flag of one kind beats the environment's other kind (said in the log); both kinds from the
 * same source is a mistake.
 */
export function influxAuth(config: ProvisionConfig, fromFlags: ReadonlySet<Setting>, logger: Logger): InfluxAuth {
  const given = (settings: Setting[]) => settings.filter((s) => config[s] !== undefined);
  const [v2, v1] = [given(V2_AUTH), given(V1_AUTH)];
  const v2Auth: InfluxAuth = { kind: 'v2', token: config.INFLUX_TOKEN! };
  const v1Auth: InfluxAuth = { kind: 'v1', username: config.INFLUX_USERNAME, password: config.INFLUX_PASSWORD };
  if (v2.length === 0 || v1.length === 0) return v2.length > 0 ? v2Auth : v1Auth;

  const flagged = (settings: Setting[]) => settings.some((s) => fromFlags.has(s));
  const source = (settings: Setting[]) => settings.map((s) => (fromFlags.has(s) ? flagOf(s) : `${s} from the environment`)).join(', ');
  if (flagged(v2) === flagged(v1)) {
    throw new ConfigError([
      `both an InfluxDB 2.x token (${source(v2)}) and 1.x credentials (${source(v1)}) are given: give ${flagOf('INFLUX_TOKEN')} for InfluxDB 2.x, or ${flagOf('INFLUX_USERNAME')} and ${flagOf('INFLUX_PASSWORD')} for 1.x, not both`,
    ]);
  }
  const [chosen, ignored] = flagged(v2) ? [v2, v1] : [v1, v2];
  logger.warn({ using: chosen, ignoring: ignored }, `InfluxDB auth: using ${source(chosen)}, ignoring ${source(ignored)}`);
  return flagged(v2) ? v2Auth : v1Auth;
}

export function provisionCommand(
  env: Record<string, string | undefined> = process.env,
  logger: Logger = createLogger('grafana-provision'),
  print: (text: string) => void = (text) => process.stdout.write(text),
): Command {
  const command = new Command('grafana:provision').description(
    'Create or update the QDYZ folder, InfluxDB data source and dashboards in Grafana over its HTTP API (idempotent)',
  );
  const options = (Object.entries(FLAGS) as Array<[Setting, string]>).map(([setting, flags]) => {
    const option = new Option(flags, `${ProvisionConfigSchema.shape[setting].description} [${setting}]`);
    command.addOption(option);
    return { setting, key: option.attributeName() };
  });
  return command.action(async (opts: Record<string, string | boolean | undefined>) => {
    const merged: Record<string, string | undefined> = { ...env };
    const fromFlags = new Set<Setting>();
    for (const { setting, key } of options) {
      if (opts[key] === undefined) continue;
      merged[setting] = String(opts[key]);
      fromFlags.add(setting);
    }
    const config = readConfig(ProvisionConfigSchema, merged);
    const report = await provision({
      api: createGrafanaApi({ url: config.GRAFANA_URL, token: config.GRAFANA_TOKEN }),
      datasource: influxDatasource({ url: config.GRAFANA_INFLUX_URL, database: config.INFLUX_DATABASE, auth: influxAuth(config, fromFlags, logger) }),
      dashboards: buildDashboards(),
      folder: { uid: FOLDER.uid, title: config.GRAFANA_FOLDER_TITLE },
      overwrite: config.GRAFANA_OVERWRITE,
      logger,
    });
    print(summary(report, config.GRAFANA_URL));
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
