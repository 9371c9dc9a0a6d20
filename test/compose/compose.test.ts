import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import type { z } from 'zod';
import { AlertingConfigSchema } from '../../alerting/config.js';
import { BrokerConfigSchema } from '../../broker/config.js';
import { DashboardConfigSchema } from '../../dashboard-api/config.js';
import { SimConfigSchema } from '../../device-sim/config.js';
import { CONTAINER_PROVISIONING_DIR, provisioningFiles } from '../../grafana/provisioning-files.js';
import { COMPOSE_HAPROXY_CONFIG } from '../../scripts/haproxy-compose.js';
import { IngestConfigSchema } from '../../ingest/config.js';
import { readConfig } from '../../lib/config.js';
import { PROJECT_ROOT, projectPath } from '../../lib/paths.js';
import { dashboardBalancerConfig } from '../../scripts/dashboard-tier.js';

// docker-compose.yml checked with Debian's docker-compose (`config` needs no engine; installed by
// scripts/system-deps.sh in pretest), and against the services' own config schemas, so a renamed
// variable or a wrong port breaks this test rather than a deployment.

const run = promisify(execFile);
const COMPOSE = '/usr/bin/docker-compose';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | null>;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

/** Runs `docker-compose config` in the project with only the given env file: the caller's shell must not leak in. */
async function composeConfig(envFile: string): Promise<ComposeFile> {
  const { stdout } = await run(COMPOSE, ['--env-file', envFile, '--file', projectPath('docker-compose.yml'), 'config'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() },
  });
  return load(stdout) as ComposeFile;
}

let compose: ComposeFile;
test.before(async () => {
  compose = await composeConfig(projectPath('.env.example'));
});

/** dashboard-api/main.ts reads its own schema plus the files of the alerting service it hosts. */
const DashboardMainSchema = DashboardConfigSchema.extend(
  AlertingConfigSchema.pick({
    ALERTING_RULES_FILE: true,
    ALERTING_NOTIFICATIONS_FILE: true,
    ALERTING_SPOOL_DIR: true,
    ALERTING_REPORTS_DIR: true,
    ALERTING_CRON: true,
  }).shape,
);

const NODE_SERVICES: Record<string, z.ZodObject> = {
  broker: BrokerConfigSchema,
  'broker-2': BrokerConfigSchema,
  ingest: IngestConfigSchema,
  'ingest-2': IngestConfigSchema,
  alerting: AlertingConfigSchema,
  'dashboard-api': DashboardMainSchema,
  'dashboard-api-2': DashboardMainSchema,
  simulator: SimConfigSchema,
};
/** Read by lib/logger.ts in every service, outside the per-service schemas. */
const COMMON_ENV = new Set(['LOG_LEVEL', 'NODE_ENV']);

const envOf = (name: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(compose.services[name]!.environment ?? {})
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, String(v)]),
  );

test('docker-compose config accepts the file with .env.example', (t) => {
  const byDefault = [
    'broker',
    'broker-2',
    'dashboard-api',
    'dashboard-api-2',
    'dashboard-lb',
    'grafana',
    'influxdb',
    'ingest',
    'ingest-2',
    'mqtt-lb',
    'postgres',
    'redis',
  ];
  t.deepEqual(Object.keys(compose.services).sort(), [...byDefault, 'alerting', 'simulator'].sort());
  t.deepEqual(compose.services.simulator!.profiles, ['demo']);
  // The dashboard API hosts the alerting service; the standalone one is opt-in, never both by default.
  t.deepEqual(compose.services.alerting!.profiles, ['alerting-standalone']);
  t.deepEqual(
    Object.entries(compose.services)
      .filter(([, s]) => s.profiles === undefined)
      .map(([name]) => name)
      .sort(),
    byDefault,
  );
});

test('every long-running service has a health check, and dependants wait for it', (t) => {
  for (const [name, service] of Object.entries(compose.services)) {
    if (name === 'simulator') continue;
    t.true((service.healthcheck?.test.length ?? 0) > 0, `${name} has a health check`);
  }
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [dep, { condition }] of Object.entries(service.depends_on ?? {})) {
      t.is(condition, 'service_healthy', `${name} waits for ${dep} to be healthy`);
      t.truthy(compose.services[dep]?.healthcheck, `${dep} has the health check ${name} waits for`);
    }
  }
  // Each Node service's health check probes the port its config listens on.
  const probes: Array<[string, string]> = [
    ['broker', envOf('broker').BROKER_METRICS_PORT!],
    ['broker-2', envOf('broker-2').BROKER_METRICS_PORT!],
    ['ingest', envOf('ingest').INGEST_METRICS_PORT!],
    ['ingest-2', envOf('ingest-2').INGEST_METRICS_PORT!],
    ['alerting', envOf('alerting').ALERTING_METRICS_PORT!],
    ['dashboard-api', envOf('dashboard-api').DASHBOARD_PORT!],
    ['dashboard-api-2', envOf('dashboard-api-2').DASHBOARD_PORT!],
  ];
  for (const [name, port] of probes)
    t.true(compose.services[name]!.healthcheck!.test.join(' ').includes(`127.0.0.1:${port}/`), `${name} health check uses port ${port}`);
});

test('state lives in named volumes; only the provisioning files and the notifications config are bind-mounted', (t) => {
  const declared = new Set(Object.keys(compose.volumes));
  for (const [name, service] of Object.entries(compose.services)) {
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(':');
      if (source!.startsWith('/'))
        t.true(
          [
            projectPath('grafana/provisioning'),
            projectPath('var/config'),
            projectPath('config/haproxy.cfg'),
            projectPath('config/haproxy-dashboard.cfg'),
          ].includes(source!),
          `${name}: unexpected bind mount ${volume}`,
        );
      else t.true(declared.has(source!), `${name}: volume ${source} is declared`);
    }
  }
  t.true(compose.services.influxdb!.volumes!.includes('influxdb-data:/var/lib/influxdb2:rw'));
  t.true(compose.services.grafana!.volumes!.includes(`${projectPath('grafana/provisioning')}:${CONTAINER_PROVISIONING_DIR}:ro`));
});

test('each Node service runs its built entry point and sets only variables its config schema knows, with valid values', (t) => {
  for (const [name, schema] of Object.entries(NODE_SERVICES)) {
    const service = compose.services[name]!;
    t.is(service.image, 'qdyz-stations:latest', `${name} uses the one image built by the Dockerfile`);
    const entry = service.command?.[1] ?? '';
    t.regex(entry, /^dist\/[\w-]+\/main\.js$/, `${name} runs node dist/<service>/main.js`);
    t.true(existsSync(projectPath(entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), `${name}: the source of ${entry} exists`);
    const known = new Set(Object.keys(schema.shape));
    for (const key of Object.keys(service.environment ?? {}))
      t.true(known.has(key) || COMMON_ENV.has(key), `${name}: ${key} is not a variable of its config schema`);
    const values = Object.fromEntries(Object.entries(envOf(name)).filter(([k]) => !COMMON_ENV.has(k)));
    t.notThrows(() => readConfig(schema, values), `${name}: compose values pass its config schema`);
  }
});

test('InfluxDB initialisation, the services and Grafana agree on organisation, bucket and token', (t) => {
  const init = envOf('influxdb');
  for (const name of ['ingest', 'ingest-2', 'alerting', 'dashboard-api', 'dashboard-api-2']) {
    const e = envOf(name);
    t.is(e.INFLUX_URL, 'http://influxdb:8086');
    t.is(e.INFLUX_DATABASE, init.DOCKER_INFLUXDB_INIT_BUCKET, `${name} writes/reads the initialised bucket`);
    t.is(e.INFLUX_TOKEN, init.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN);
    t.is(e.INFLUX_ORG, init.DOCKER_INFLUXDB_INIT_ORG);
    t.is(e.MQTT_URL, 'mqtt://mqtt-lb:1883', `${name} reaches the brokers through HAProxy`);
  }
  // Grafana gets exactly the variables its generated data source file expands.
  const datasourceYaml = provisioningFiles().get('datasources/influxdb.yaml')!;
  const placeholders = [...datasourceYaml.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
  const grafana = envOf('grafana');
  for (const name of placeholders) t.truthy(grafana[name], `Grafana's environment sets ${name}`);
  t.is(grafana.INFLUX_DATABASE, init.DOCKER_INFLUXDB_INIT_BUCKET);
  t.is(grafana.INFLUX_TOKEN, init.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN);
  t.is(init.DOCKER_INFLUXDB_INIT_MODE, 'setup');
});

test('the dashboard and the standalone alerting keep their shared state in the PostgreSQL service', (t) => {
  const pg = envOf('postgres');
  t.true(compose.services.postgres!.volumes!.includes('postgres-data:/var/lib/postgresql/data:rw'));
  t.is(compose.services.postgres!.ports, undefined, 'not published outside the compose network');
  for (const name of ['dashboard-api', 'dashboard-api-2', 'alerting']) {
    const url = new URL(envOf(name).DATABASE_URL!);
    t.is(url.protocol, 'postgres:');
    t.is(url.host, 'postgres:5432');
    t.is(url.pathname, `/${pg.POSTGRES_DB}`);
    t.is(url.username, pg.POSTGRES_USER!);
    t.is(url.password, pg.POSTGRES_PASSWORD!);
    t.deepEqual(compose.services[name]!.depends_on!.postgres, { condition: 'service_healthy' });
  }
});

test('two dashboard nodes share Redis, the database and the login secret, each with its own node id, broker session and volume, behind the balancer', (t) => {
  const [one, two] = [envOf('dashboard-api'), envOf('dashboard-api-2')];
  for (const key of ['DASHBOARD_REDIS_URL', 'DATABASE_URL', 'DASHBOARD_JWT_SECRET', 'INFLUX_TOKEN'] as const) t.is(one[key], two[key], key);
  t.is(new URL(one.DASHBOARD_REDIS_URL!).host, 'redis:6379');
  t.deepEqual([one.DASHBOARD_NODE_ID, two.DASHBOARD_NODE_ID], ['dash-1', 'dash-2']);
  // Their MQTT sessions are clean (svc-dashboard-<node>): the broker seeds and keeps none for them.
  t.false(
    envOf('broker')
      .BROKER_SEEDED_SESSIONS!.split(',')
      .some((id) => id.startsWith('svc-dashboard')),
  );
  t.not(
    compose.services['dashboard-api']!.volumes!.find((v) => v.endsWith(':/app/var:rw')),
    compose.services['dashboard-api-2']!.volumes!.find((v) => v.endsWith(':/app/var:rw')),
  );
  // Only the balancer is published; its configuration is the generator's for these two nodes.
  t.is(compose.services['dashboard-api']!.ports, undefined);
  t.is(compose.services['dashboard-api-2']!.ports, undefined);
  t.like((compose.services['dashboard-lb']!.ports as unknown as Array<{ target: number }>)[0], { target: 8080 });
  const config = dashboardBalancerConfig({
    bind: '*:8080',
    nodes: [
      { name: 'dash-1', host: 'dashboard-api', port: Number(one.DASHBOARD_PORT) },
      { name: 'dash-2', host: 'dashboard-api-2', port: Number(two.DASHBOARD_PORT) },
    ],
  });
  t.is(
    readFileSync(projectPath('config/haproxy-dashboard.cfg'), 'utf8'),
    config,
    'config/haproxy-dashboard.cfg is dashboardBalancerConfig for the compose nodes',
  );
});

test('the broker, the services and the simulator share the broker secrets volume', (t) => {
  const broker = envOf('broker');
  t.true(compose.services.broker!.volumes!.includes('broker-secrets:/app/var/secrets:rw'));
  t.is(broker.BROKER_ACCOUNTS_FILE, 'var/secrets/broker-accounts.json');
  for (const name of ['broker-2', 'ingest', 'ingest-2', 'alerting', 'dashboard-api', 'dashboard-api-2', 'simulator']) {
    t.true(compose.services[name]!.volumes!.includes('broker-secrets:/app/var/secrets:ro'), `${name} mounts the secrets read-only`);
    t.is(envOf(name).DEV_CREDENTIALS_FILE, broker.DEV_CREDENTIALS_FILE);
  }
});

test('two broker nodes share the Redis service (AOF) behind HAProxy, and seed the sessions of the two ingest workers', (t) => {
  t.true(compose.services.redis!.command!.join(' ').includes('--appendonly yes'));
  t.is(readFileSync(projectPath('config/haproxy.cfg'), 'utf8'), COMPOSE_HAPROXY_CONFIG, 'config/haproxy.cfg is what scripts/haproxy-compose.ts writes');
  const partitions = ['ingest', 'ingest-2'].map((name) => envOf(name).INGEST_PARTITION!);
  t.deepEqual(partitions, ['1/2', '2/2']);
  for (const name of ['broker', 'broker-2']) {
    const e = envOf(name);
    t.is(e.BROKER_REDIS_URL, 'redis://redis:6379');
    t.true(COMPOSE_HAPROXY_CONFIG.includes(`server ${name} ${name}:${e.MQTT_PORT} check port ${e.BROKER_METRICS_PORT}`), `HAProxy sends to ${name}`);
    const seeded = e.BROKER_SEEDED_SESSIONS!.split(',');
    for (const p of partitions) t.true(seeded.includes(`svc-ingest-${p.replace('/', 'of')}`), `${name} seeds the session of worker ${p}`);
  }
});

test('a missing secret stops docker-compose with a message naming it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qdyz-compose-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const envFile = join(dir, 'env');
  await writeFile(envFile, readFileSync(projectPath('.env.example'), 'utf8').replace(/^INFLUX_TOKEN=.*$/m, ''));
  const err = await t.throwsAsync(composeConfig(envFile));
  t.regex(String((err as Error & { stderr?: string }).stderr), /set INFLUX_TOKEN in \.env/);
});

test('the Docker build context leaves out local state and secrets', (t) => {
  const ignored = readFileSync(projectPath('.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  for (const entry of ['.env', 'var', 'node_modules', 'dist', '.git']) t.true(ignored.includes(entry), `.dockerignore lists ${entry}`);
  const dockerfile = readFileSync(projectPath('Dockerfile'), 'utf8');
  t.regex(dockerfile, /RUN npm ci/);
  t.regex(dockerfile, /npm run build/);
  t.regex(dockerfile, /USER node/);
});
