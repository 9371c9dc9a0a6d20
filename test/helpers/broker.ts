import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import { startBroker, type BrokerOptions, type RunningBroker, type SessionOptions } from '../../broker/broker.js';
import { ensureDevCredentials, openAccountStore, type AccountStore } from '../../broker/credentials.js';
import { loadDevCredentials, type DevCredentials } from '../../lib/dev-credentials.js';
import { indexRegistry, type Registry } from '../../domain/registry.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';

export interface TestBroker {
  /** mqtt://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<wsPort> */
  wsUrl: string;
  port: number;
  wsPort: number;
  registry: Registry;
  /** username → password for every station with an account and every service account. */
  credentials: DevCredentials;
  accounts: AccountStore;
  metrics: MetricsRegistry;
  broker: RunningBroker;
  /** Temp dir holding broker-accounts.json and dev-credentials.json. */
  dir: string;
  close(): Promise<void>;
}

export interface TestBrokerOptions
  extends Partial<
    Pick<
      BrokerOptions,
      'maxPacketBytes' | 'drainTimeoutMs' | 'seededSessions' | 'connectTimeoutMs' | 'authThrottle' | 'refusalLog' | 'now' | 'cluster' | 'beforePuback'
    >
  > {
  /** Session journal settings; the journal lives in the broker's temp dir (kept by `restartOf`) unless `dir: null`. */
  sessions?: Partial<SessionOptions>;
  /** Defaults to the committed registry (data/stations.json). */
  registry?: Registry;
  /** Create accounts only for these stations (fewer scrypt hashes, faster start); all registry stations by default. */
  stationIds?: readonly string[];
  /** Silent unless LOG_LEVEL is set. */
  logger?: Logger;
  /**
   * Restart of an earlier test broker (closed with `broker.close()`): its MQTT port and accounts dir. Accounts are
   * read as stored, nothing cached, as a restarted broker process does; the dir stays the earlier broker's to remove.
   */
  restartOf?: Pick<TestBroker, 'port' | 'dir'>;
}

/**
 * A real aedes broker with generated credentials, on free loopback ports, in its own temp dir.
 * Usage: `const b = await startTestBroker(); t.teardown(b.close)`, then connect with
 * `mqtt.connectAsync(b.url, { username: id, password: b.credentials[id], clientId: id, protocolVersion: 4 })`.
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const registry = options.registry ?? loadRegistryFile();
  const { dir, credentials, accounts } = options.restartOf ? reopen(options.restartOf.dir) : await create(registry, options.stationIds);
  const metrics = new MetricsRegistry();
  const broker = await startBroker({
    registry,
    accounts,
    logger: options.logger ?? createLogger('broker', process.env.LOG_LEVEL ?? 'silent'),
    metrics,
    port: options.restartOf?.port ?? 0,
    wsPort: 0,
    maxPacketBytes: options.maxPacketBytes,
    drainTimeoutMs: options.drainTimeoutMs,
    seededSessions: options.seededSessions,
    sessions: { dir: join(dir, 'broker'), ...options.sessions },
    connectTimeoutMs: options.connectTimeoutMs,
    authThrottle: options.authThrottle,
    refusalLog: options.refusalLog,
    now: options.now,
    cluster: options.cluster,
    beforePuback: options.beforePuback,
  });
  return {
    url: `mqtt://127.0.0.1:${broker.port}`,
    wsUrl: `ws://127.0.0.1:${broker.wsPort}`,
    port: broker.port,
    wsPort: broker.wsPort!,
    registry,
    credentials,
    accounts,
    metrics,
    broker,
    dir,
    async close() {
      await broker.close();
      if (!options.restartOf) rmSync(dir, { recursive: true, force: true });
    },
  };
}

const accountsFile = (dir: string): string => join(dir, 'broker-accounts.json');
const devCredentialsFile = (dir: string): string => join(dir, 'dev-credentials.json');

async function create(registry: Registry, stationIds: readonly string[] | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-broker-'));
  const accountsFor = stationIds ? indexRegistry(stationIds.map((id) => registry.get(id) ?? fail(id))) : registry;
  const { credentials, accounts } = await ensureDevCredentials(accountsFor, { accountsFile: accountsFile(dir), devCredentialsFile: devCredentialsFile(dir) });
  return { dir, credentials, accounts };
}

const reopen = (dir: string) => ({ dir, credentials: loadDevCredentials(devCredentialsFile(dir)), accounts: openAccountStore(accountsFile(dir)) });

function fail(id: string): never {
  throw new Error(`startTestBroker: station ${id} is not in the registry`);
}
