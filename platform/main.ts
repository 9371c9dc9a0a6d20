// `npm start`: the whole platform in one process — a private influxd, the broker, the ingest,
// the alerting service, the dashboard API and web app, and the simulated fleet — then prints
// what runs where. Ctrl-C stops the fleet first and the database last, so everything is flushed; during
// start-up it stops whatever has started so far.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { hostAlerting } from '../alerting/host.js';
import { loadRulesFile } from '../alerting/rules-file.js';
import { startBroker } from '../broker/broker.js';
import { brokerListenOptions } from '../broker/config.js';
import { ensureDevCredentials } from '../broker/credentials.js';
import { devPasswordsFile } from '../dashboard-api/auth/users.js';
import { startDashboardApi } from '../dashboard-api/server.js';
import { demoFaultPlan } from '../device-sim/demo-faults.js';
import { resolveFaults } from '../device-sim/faults.js';
import { defaultSimStart, startFleet } from '../device-sim/fleet.js';
import { ingestSettings } from '../ingest/config.js';
import { type Ingest, startEmbeddedIngest, startIngest } from '../ingest/ingest.js';
import { readConfig } from '../lib/config.js';
import { openDatabase } from '../lib/db/database.js';
import { connectInflux } from '../lib/influx/client.js';
import { influxConfigFromEnv } from '../lib/influx/env.js';
import { startPrivateInfluxd } from '../lib/influx/private-influxd.js';
import { readJsonFile } from '../lib/json-file.js';
import { createMetricsRegistry, serveMetrics } from '../lib/metrics.js';
import { projectPath } from '../lib/paths.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { runService } from '../lib/service-runner.js';
import { PlatformConfigSchema } from './config.js';
import { fillToday } from './fill-today.js';
import { rollUpFilled, seedHistory, seedInspections } from './seed-history.js';

/** Demo faults are planned this far ahead (simulated); the fleet runs on without them after. */
const DEMO_PLAN_HOURS = 31 * 24;

await runService('platform', async (logger, { signal, parts }) => {
  const config = readConfig(PlatformConfigSchema);
  const registry = loadRegistryFile(projectPath(config.REGISTRY_FILE));
  // One metrics registry for every in-process service: their metric names are distinct, and the
  // process metrics (CPU, RSS, event loop) are counted once.
  const metrics = createMetricsRegistry('platform');

  // Each part is registered as soon as it runs: parts close in reverse order, at Ctrl-C during start-up too.
  const influxd = config.PLATFORM_INFLUXD
    ? parts.add(
        await startPrivateInfluxd({ dataDir: projectPath(config.PLATFORM_INFLUXD_DIR), port: config.PLATFORM_INFLUXD_PORT || undefined, logger, signal }),
        (d) => d.stop(),
      )
    : null;
  const influx = parts.add(await connectInflux({ ...influxConfigFromEnv(config), url: influxd?.url ?? config.INFLUX_URL }, logger), (i) => i.close());
  await influx.ensureDatabase();
  // Embedded SQLite in var/ by default: still one command, no server to install.
  const database = parts.add(await openDatabase(config.DATABASE_URL, logger), (d) => d.close());
  signal.throwIfAborted();

  const { credentials, accounts } = await ensureDevCredentials(
    registry,
    { accountsFile: projectPath(config.BROKER_ACCOUNTS_FILE), devCredentialsFile: projectPath(config.DEV_CREDENTIALS_FILE) },
    logger,
  );
  signal.throwIfAborted();
  // BROKER_INGEST=embedded: the broker hands the ingest each message before its PUBACK (no MQTT session in
  // between), so the ingest starts first and closes after the broker; separate: it subscribes like any client.
  const settings = ingestSettings(config, registry);
  const embedded =
    config.BROKER_INGEST === 'embedded' ? parts.add(await startEmbeddedIngest({ ...settings, registry, logger, metrics, influx }), (i) => i.close()) : null;
  const broker = parts.add(
    await startBroker({
      registry,
      accounts,
      logger,
      metrics,
      ...brokerListenOptions(config),
      beforePuback: embedded?.beforePuback,
    }),
    (b) => b.close(),
  );
  const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
  const account = (username: string) => ({ username, password: credentials[username]! });

  const ingest: Ingest =
    embedded ??
    parts.add(await startIngest({ mqttUrl, ...account(config.INGEST_MQTT_USERNAME), registry, logger, metrics, influx, ...settings }), (i) => i.close());
  signal.throwIfAborted();

  const simulated = registry.stations.slice(0, config.SIM_STATIONS);
  const started = Date.now();
  const history = await seedHistory({
    influx,
    registry,
    stations: simulated,
    seed: config.SIM_SEED,
    now: started,
    days: config.SIM_FILL_DAYS,
    until: started - config.SIM_FILL_MAX_HOURS * 3600_000,
    onlineAfterS: loadRulesFile(projectPath(config.ALERTING_RULES_FILE)).compliance.onlineAfterS,
    logger,
    signal,
  });
  signal.throwIfAborted();
  const filled =
    simulated.length > 0 && config.SIM_FILL_TODAY
      ? await fillToday({
          influx,
          ingest,
          stations: simulated,
          brokerUrl: mqttUrl,
          credentials,
          seed: config.SIM_SEED,
          logger,
          now: Date.now(),
          maxHours: config.SIM_FILL_MAX_HOURS,
          signal,
        })
      : null;
  signal.throwIfAborted();

  // Alerting and the dashboard read the ingest's live state: one subscription serves all three.
  // Alerting stops judging first: the simulated stations going away is not an outage to alert on.
  const alerting = parts.add(await hostAlerting({ config, registry, influx, db: database.db, consumer: ingest.consumer, logger, metrics }), (a) => a.close(), {
    first: true,
  });
  signal.throwIfAborted();
  if (history) await rollUpFilled(alerting.service, history, started);
  signal.throwIfAborted();

  const dashboard = parts.add(
    await startDashboardApi({
      config,
      registry,
      live: ingest.consumer,
      alerting: alerting.service,
      influx,
      db: database.db,
      rules: alerting.rules,
      logger,
      metrics,
    }),
    (d) => d.close(),
  );
  const metricsServer = parts.add(await serveMetrics(metrics, config.PLATFORM_METRICS_PORT), (m) => m.close());
  signal.throwIfAborted();

  const simStart = defaultSimStart(config.SIM_SPEED, Date.now());
  const demoFaults = demoFaultPlan({
    stations: simulated,
    seed: config.SIM_SEED,
    start: simStart,
    hours: DEMO_PLAN_HOURS,
    perHour: config.SIM_DEMO_FAULTS_PER_HOUR,
  });
  const fleet =
    simulated.length > 0
      ? parts.add(
          startFleet({
            registry,
            stations: simulated,
            brokerUrl: mqttUrl,
            credentials,
            seed: config.SIM_SEED,
            speed: config.SIM_SPEED,
            start: simStart,
            faults: resolveFaults(demoFaults, simulated, simStart, config.SIM_SEED),
            logger,
          }),
          (f) => f.stop().then(() => undefined),
        )
      : null;

  // In the background: a first start writes thousands of records, which must not hold up the fleet.
  if (config.SIM_INSPECTIONS) {
    const stopSeeding = new AbortController();
    const seeding = seedInspections(alerting.service, simulated, config.SIM_SEED, started, logger, stopSeeding.signal).catch((err: unknown) =>
      logger.error({ err }, 'demo inspection records failed'),
    );
    parts.add(
      seeding,
      async (p) => {
        stopSeeding.abort();
        await p;
      },
      { first: true },
    );
  }

  const usersFile = devPasswordsFile(projectPath(config.DASHBOARD_USERS_FILE));
  const devLogins = existsSync(usersFile) ? readJsonFile(usersFile, z.record(z.string(), z.string())) : {};
  const lines = [
    '',
    '青岛市工会智能户外劳动者驿站 · 监测平台 — running',
    `  Dashboard (web + REST + Socket.IO)  http://localhost:${dashboard.port}/   API docs: http://localhost:${dashboard.port}/api/docs`,
    ...Object.entries(devLogins)
      .filter(([user]) => user === 'admin' || user === 'maint-sn')
      .map(([user, password]) => `      login ${user} / ${password}`),
    ...(existsSync(usersFile) ? [`      (every development login: ${usersFile})`] : []),
    `  MQTT                                mqtt://localhost:${broker.port}   ws://localhost:${broker.wsPort}/`,
    `  InfluxDB (${influx.version === '1' ? '1.x' : '2.x'}, database ${config.INFLUX_DATABASE})  ${influxd?.url ?? config.INFLUX_URL}`,
    `  Database (users, audit log, …)      ${database.where}`,
    `  Metrics (all services)              http://localhost:${metricsServer.port}/metrics`,
    `  Simulator                           ${fleet ? `${fleet.stations.length} stations, speed ×${config.SIM_SPEED}, seed ${config.SIM_SEED}, ${demoFaults.length} demo faults planned` : 'off (SIM_STATIONS=0)'}`,
    ...(history ? [`      history since ${new Date(history.from).toISOString()} written first: ${history.points} points`] : []),
    ...(filled ? [`      today since ${new Date(filled.from).toISOString()} replayed first: ${filled.messages} messages`] : []),
    '  Ctrl-C stops everything cleanly.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  void fleet?.ready.then(() => logger.info({ event: 'fleet_connected', stations: fleet.stations.length }, 'every simulated station has connected'));

  // Stopped by runService through `parts`: alerting, then the fleet, … the database last.
});
