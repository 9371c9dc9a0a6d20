import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { pidOf, sample, scrape, startTs, stopChild, waitForPort } from '../../bench/lib/proc.js';
import { writeClonedRegistry } from '../../device-sim/clone.js';
import { SERIES } from '../../domain/series.js';
import { occupancyTopic } from '../ingest/fixtures.js';
import { connectInflux, type Influx } from '../../lib/influx/client.js';
import { freePort, startPrivateInfluxd, type PrivateInfluxd } from '../../lib/influx/private-influxd.js';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';

// Fault runs with a ledger: the broker, the ingest and influxd as separate processes, stations
// publishing QoS 1 and recording every PUBACKed message, and a check that InfluxDB holds exactly the
// ledger per station. Scenarios kill, freeze and restart processes between `load.start()` and
// `verify()`; a broker scenario restarts `platform.broker` the same way as the ingest.

const logger = createLogger('faults', process.env.LOG_LEVEL ?? 'silent');

/** Signals a process (kill -9, SIGSTOP/SIGCONT) by pid. */
export const signal = (pid: number, sig: NodeJS.Signals): void => void process.kill(pid, sig);

export interface Platform {
  dir: string;
  stations: string[];
  credentials: Record<string, string>;
  brokerUrl: string;
  broker: ChildProcess;
  /** kill -9 of the broker process — restart with restartBroker (same port, accounts and session journal). */
  killBroker(): Promise<void>;
  /** SIGTERM of the broker (a clean shutdown) — restart with restartBroker. */
  stopBroker(): Promise<void>;
  restartBroker(): Promise<void>;
  brokerMetrics(names: readonly string[]): Promise<Record<string, number>>;
  influxd: PrivateInfluxd;
  /** Stops influxd hard (SIGKILL of the process, as kill -9) — restart with restartInfluxd. */
  killInfluxd(): Promise<void>;
  restartInfluxd(): Promise<void>;
  influxdPid(): number;
  /** A standalone ingest (node ingest/main.ts) on its own database and write-ahead log dir. */
  startIngest(o: IngestRun): Promise<IngestProcess>;
  /** Registers a load so endScenario stops it. */
  track(load: Load): void;
  /** Stops every load and kills every ingest still running (after a failed scenario), so the next one starts clean. */
  endScenario(): Promise<void>;
  close(): Promise<void>;
}

export interface IngestRun {
  database: string;
  walDir: string;
  /** Its persistent session (default svc-ingest): several ingests on one broker each get every message. */
  clientId?: string;
  env?: Record<string, string>;
}

export interface IngestProcess {
  child: ChildProcess;
  metricsPort: number;
  metrics(names: readonly string[]): Promise<Record<string, number>>;
  /** Resident memory now and at its peak, MB. */
  rss(): { rssMb: number; peakRssMb: number };
  kill9(): Promise<void>;
  stop(): Promise<void>;
  /** Exit code once it exits. */
  exited: Promise<number | null>;
  logFile: string;
}

/** Broker and influxd for a set of scenarios; `stations` of the registry (cloned ids), each with an account. */
export async function startPlatform(o: {
  stations: number;
  /**
   * BROKER_INGEST=embedded: the broker writes to this database itself, with its log in <dir>/broker-wal (no
   * svc-ingest session); `walSize` puts that directory on a tmpfs of this size (root only), like "128k".
   */
  embeddedIngest?: { database: string; walSize?: string };
}): Promise<Platform> {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-faults-'));
  const registryFile = join(dir, 'stations.json');
  const credentialsFile = join(dir, 'dev-credentials.json');
  const registry = writeClonedRegistry(loadRegistryFile(), o.stations, registryFile);
  const [mqttPort, brokerMetricsPort] = [await freePort(), await freePort()];
  const common = { REGISTRY_FILE: registryFile, DEV_CREDENTIALS_FILE: credentialsFile, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  // influxd starts after the broker (whose first start hashes the accounts); an embedded ingest needs its port before.
  const influxdPort = o.embeddedIngest ? await freePort() : undefined;
  const brokerWal = join(dir, 'broker-wal');
  if (o.embeddedIngest?.walSize) mountTmpfs(brokerWal, o.embeddedIngest.walSize);
  const ingestEnv: Record<string, string> = o.embeddedIngest
    ? {
        BROKER_INGEST: 'embedded',
        BROKER_SEEDED_SESSIONS: 'none',
        INFLUX_URL: `http://127.0.0.1:${influxdPort}`,
        INFLUX_DATABASE: o.embeddedIngest.database,
        INGEST_SPOOL_DIR: brokerWal,
        INGEST_FLUSH_MS: '200',
      }
    : { BROKER_SEEDED_SESSIONS: 'svc-ingest' };
  const startBrokerProcess = () =>
    startTs(
      'broker/main.ts',
      {
        ...common,
        BROKER_ACCOUNTS_FILE: join(dir, 'broker-accounts.json'),
        BROKER_DEV_CREDENTIALS: 'true',
        // A private session journal: another platform (a parallel test file) must not share its lock.
        BROKER_DATA_DIR: join(dir, 'broker-data'),
        MQTT_PORT: String(mqttPort),
        MQTT_WS_PORT: '0',
        BROKER_METRICS_PORT: String(brokerMetricsPort),
        ...ingestEnv,
      },
      false,
      join(dir, 'broker.log'),
    );
  let broker = startBrokerProcess();
  // The first start hashes one password per station account: minutes for thousands on a busy shared machine.
  await waitForPort(mqttPort, 240_000).catch(async (err: Error) => {
    // No platform to close: stop the broker here, or it keeps the test worker alive.
    await stopChild(broker);
    if (o.embeddedIngest?.walSize) unmount(brokerWal);
    throw err;
  });
  const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, string>;
  const influxDataDir = join(dir, 'influxd');
  mkdirSync(influxDataDir);
  let influxd = await startPrivateInfluxd({ dataDir: influxDataDir, port: influxdPort });
  const port = influxd.port;
  const pidOfInfluxd = (): number => pidOf(join(influxDataDir, 'influxd.conf'));
  const ingests = new Set<IngestProcess>();
  const loads = new Set<Load>();
  const endScenario = async (): Promise<void> => {
    for (const load of loads) await load.stop();
    loads.clear();
    for (const ingest of ingests) await ingest.kill9();
  };

  return {
    dir,
    stations: registry.stations.map((s) => s.id),
    credentials,
    brokerUrl: `mqtt://127.0.0.1:${mqttPort}`,
    get broker() {
      return broker;
    },
    async killBroker() {
      if (broker.exitCode !== null || broker.signalCode !== null) return;
      const exited = new Promise((resolve) => broker.once('exit', resolve));
      broker.kill('SIGKILL');
      await exited;
    },
    async stopBroker() {
      await stopChild(broker, 30_000);
    },
    async restartBroker() {
      broker = startBrokerProcess();
      await waitForPort(mqttPort, 120_000);
      await waitForPort(brokerMetricsPort, 30_000);
    },
    brokerMetrics: (names) => scrape(brokerMetricsPort, names),
    get influxd() {
      return influxd;
    },
    influxdPid: pidOfInfluxd,
    async killInfluxd() {
      signal(pidOfInfluxd(), 'SIGKILL');
      await influxd.stop();
    },
    async restartInfluxd() {
      influxd = await startPrivateInfluxd({ dataDir: influxDataDir, port });
    },
    async startIngest(run) {
      const metricsPort = await freePort();
      const logFile = join(dir, `ingest-${run.database}.log`);
      const child = startTs(
        'ingest/main.ts',
        {
          ...common,
          MQTT_URL: `mqtt://127.0.0.1:${mqttPort}`,
          INFLUX_URL: `http://127.0.0.1:${port}`,
          INFLUX_DATABASE: run.database,
          INGEST_SPOOL_DIR: run.walDir,
          INGEST_METRICS_PORT: String(metricsPort),
          INGEST_FLUSH_MS: '200',
          ...(run.clientId ? { INGEST_MQTT_CLIENT_ID: run.clientId } : {}),
          LOG_LEVEL: 'info',
          ...run.env,
        },
        false,
        logFile,
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const ingest: IngestProcess = {
        child,
        metricsPort,
        logFile,
        exited,
        metrics: (names) => scrape(metricsPort, names),
        rss: () => sample(child.pid!),
        async kill9() {
          child.kill('SIGKILL');
          await exited;
          ingests.delete(ingest);
        },
        async stop() {
          await stopChild(child, 30_000);
          ingests.delete(ingest);
        },
      };
      ingests.add(ingest);
      // Polls until it listens or exits: a port wait left running after an exit kept the test worker (and
      // its ava slot) alive for the rest of its 120 s.
      let gone = false;
      void exited.then(() => {
        gone = true;
      });
      await waitFor(
        `ingest metrics on port ${metricsPort}`,
        async () =>
          gone ||
          (await scrape(metricsPort, []).then(
            () => true,
            () => false,
          )),
        120_000,
      );
      if (gone)
        throw new Error(`ingest exited (${child.exitCode}) before it listened: ${readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join('\n')}`);
      return ingest;
    },
    track(load) {
      loads.add(load);
    },
    endScenario,
    async close() {
      await endScenario();
      await stopChild(broker);
      await influxd.stop();
      if (o.embeddedIngest?.walSize) unmount(brokerWal);
      // FAULTS_KEEP=1 keeps the services' logs and data for a look after a failure.
      if (process.env.FAULTS_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every PUBACKed message, per station: the sequence numbers (the `entries` field) acknowledged. */
export class Ledger {
  readonly acked = new Map<string, number[]>();
  sent = 0;
  /** `since`: earliest sample time of this load: earlier points in the database belong to another scenario. */
  constructor(readonly since = Date.now()) {}
  get total(): number {
    let n = 0;
    for (const seqs of this.acked.values()) n += seqs.length;
    return n;
  }
}

export interface Load {
  ledger: Ledger;
  /** Stations connected now (after a broker restart: those back). */
  connected(): number;
  /** Stops publishing and waits for the PUBACK of every message sent. */
  stop(): Promise<void>;
}

/**
 * Connects as a station would: a transport error (a reset while thousands connect at once) is retried
 * after `reconnectPeriod`; only a refusal by the broker (a CONNACK return code) fails.
 */
function connectStation(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(url, options);
    const refused = (err: Error & { code?: unknown }) => {
      if (typeof err.code !== 'number') return;
      client.end(true);
      reject(err);
    };
    client.on('error', refused);
    client.once('connect', () => {
      client.off('error', refused);
      resolve(client);
    });
  });
}

/**
 * Each station publishes an occupancy message every `periodMs` (QoS 1) whose `entries` field is its
 * sequence number and whose `ts` is unique per station; the PUBACK puts it in the ledger.
 */
/** What a load needs of a platform (a broker cluster behind HAProxy serves as well). */
export type LoadTarget = Pick<Platform, 'brokerUrl' | 'credentials' | 'stations' | 'track'>;

export async function startLoad(
  platform: LoadTarget,
  /** reconnectSpreadMs: each station retries a lost connection every 1 s to this (random per station, default 4 s). */
  o: { periodMs: number; stations?: string[]; settleMs?: number; reconnectSpreadMs?: number },
): Promise<Load> {
  const ledger = new Ledger();
  const stations = o.stations ?? platform.stations;
  const clients: MqttClient[] = await Promise.all(
    stations.map((id) =>
      connectStation(platform.brokerUrl, {
        username: id,
        password: platform.credentials[id],
        clientId: id,
        protocolVersion: 4,
        // Jittered, as station firmware must (docs/telemetry.md): a fleet retrying in lockstep after a broker restart is a storm of its own.
        reconnectPeriod: 1000 + Math.floor(Math.random() * ((o.reconnectSpreadMs ?? 4000) - 1000)),
        clean: true,
      }),
    ),
  );
  const inFlight = new Set<Promise<unknown>>();
  let _seq = 0;
  const t0 = ledger.since;
  const timers = clients.map((client, i) => {
    const id = stations[i]!;
    ledger.acked.set(id, []);
    let n = 0;
    // Spread the stations over the period so the load is even.
    return setTimeout(
      () => {
        const tick = (): void => {
          const k = n++;
          _seq++;
          ledger.sent++;
          // ts strictly increasing per station; ms resolution and one series per station make each point unique.
          const payload = JSON.stringify({ station: id, ts: t0 + k * o.periodMs + i, people: k % 5, entries: k });
          const p = client.publishAsync(occupancyTopic(id), payload, { qos: 1 }).then(
            () => void ledger.acked.get(id)!.push(k),
            () => undefined,
          );
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        };
        tick();
        timers[i] = setInterval(tick, o.periodMs);
      },
      Math.floor((i / clients.length) * o.periodMs),
    );
  });
  let stopping: Promise<void> | undefined;
  const load: Load = {
    ledger,
    connected: () => clients.filter((c) => c.connected).length,
    stop: () =>
      (stopping ??= (async () => {
        for (const t of timers) clearInterval(t);
        // Publishes still waiting for a PUBACK after `settleMs` (a broker that never came back) stay out of the ledger.
        const giveUp = new Promise((resolve) => setTimeout(resolve, o.settleMs ?? 120_000).unref());
        while (inFlight.size > 0 && (await Promise.race([Promise.allSettled([...inFlight]).then(() => false), giveUp.then(() => true)])) === false);
        await Promise.all(clients.map((c) => c.endAsync(inFlight.size > 0)));
      })()),
  };
  platform.track(load);
  return load;
}

export interface Figures {
  scenario: string;
  acked: number;
  persisted: number;
  lost: number;
  duplicated: number;
  /** From the end of the fault until InfluxDB held the whole ledger. */
  recoveryS: number;
  [extra: string]: unknown;
}

/** Per station: points in InfluxDB vs the ledger. Points are unique per station+ts, so a duplicate shows as a surplus. */
async function compare(influx: Influx, ledger: Ledger): Promise<{ persisted: number; lost: number; duplicated: number }> {
  const rows = await influx.query(`SELECT count(entries), sum(entries) FROM ${SERIES.occupancy.measurement} WHERE time >= $since GROUP BY station`, {
    since: new Date(ledger.since).toISOString(),
  });
  const found = new Map(rows.map((r) => [String(r.station), { count: Number(r.count), sum: Number(r.sum) }]));
  let persisted = 0;
  let lost = 0;
  let duplicated = 0;
  for (const [station, seqs] of ledger.acked) {
    const have = found.get(station) ?? { count: 0, sum: 0 };
    persisted += Math.min(have.count, seqs.length);
    if (have.count < seqs.length) lost += seqs.length - have.count;
    if (have.count > seqs.length) duplicated += have.count - seqs.length;
    // Same count but another set of points would still be a loss: the sums of the sequence numbers tell.
    if (have.count === seqs.length && have.sum !== seqs.reduce((a, b) => a + b, 0)) lost += 1;
  }
  return { persisted, lost, duplicated };
}

/**
 * Waits until InfluxDB holds the ledger (or `timeoutMs` passes), then returns the figures and prints
 * them as one JSON line.
 */
export async function verify(
  platform: Pick<Platform, 'influxd'>,
  database: string,
  ledger: Ledger,
  o: { scenario: string; faultEndedAt: number; timeoutMs?: number; extra?: Record<string, unknown> },
): Promise<Figures> {
  const influx = await connectInflux({ url: platform.influxd.url, database, connectTimeoutMs: 60_000 }, logger);
  try {
    const end = Date.now() + (o.timeoutMs ?? 90_000);
    let result = await compare(influx, ledger).catch(() => ({ persisted: 0, lost: ledger.total, duplicated: 0 }));
    while ((result.lost > 0 || result.duplicated > 0) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 500));
      result = await compare(influx, ledger).catch(() => result);
    }
    const figures: Figures = {
      scenario: o.scenario,
      acked: ledger.total,
      ...result,
      recoveryS: Math.round((Date.now() - o.faultEndedAt) / 100) / 10,
      ...o.extra,
    };
    console.log(JSON.stringify(figures));
    return figures;
  } finally {
    await influx.close();
  }
}

/** Waits until `done` holds, polling; throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 60_000, progress?: () => unknown): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await done()); ) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms${progress ? ` (${JSON.stringify(progress())})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A small tmpfs at `dir` (root only): `size` like "512k". */
export function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
}
/** A read-only tmpfs over `dir` (root only): creating files there fails with EROFS until unmount. */
export const mountReadOnly = (dir: string): void => void execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', dir]);
export function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  } catch {
    // Already unmounted (teardown after the test did it).
  }
}
