import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevCredentials } from '../../broker/credentials.js';
import { writeClonedRegistry } from '../../device-sim/clone.js';
import type { DevCredentials } from '../../lib/dev-credentials.js';
import { startHaproxy } from '../../lib/haproxy.js';
import type { PrivateHaproxy } from '../../lib/private-haproxy.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { freePort, spawnBroker, type BrokerProcess } from './broker-process.js';

export interface ClusterNode {
  name: string;
  /** mqtt://127.0.0.1:<port> of this node itself (not through HAProxy). */
  url: string;
  port: number;
  metricsPort: number;
  process: BrokerProcess;
  /** Stations connected to this node now (its broker_clients_connected{role="station"}). */
  stations(): Promise<number>;
  kill9(): Promise<void>;
  /** Starts the node again after kill9, with the same ports and settings; resolves once it listens. */
  restart(): Promise<void>;
}

export interface BrokerCluster {
  /** mqtt://127.0.0.1:<port> of HAProxy in front of the nodes. */
  url: string;
  nodes: ClusterNode[];
  stations: string[];
  registryFile: string;
  devCredentialsFile: string;
  credentials: DevCredentials;
  dir: string;
  close(): Promise<void>;
}

/**
 * `nodes` broker processes (broker/main.ts) sharing one Redis, behind HAProxy (lib/haproxy.ts), on free loopback
 * ports: a registry of `stations` cloned stations with accounts made once for all nodes, in a temp dir.
 */
export async function startBrokerCluster(o: {
  nodes: number;
  redisUrl: string;
  stations: number;
  seededSessions?: readonly string[];
  /** More settings for node i (1-based), e.g. an embedded ingest; `dir` is the cluster's temp dir. */
  nodeEnv?: (i: number, dir: string) => Record<string, string>;
}): Promise<BrokerCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-cluster-'));
  const registryFile = join(dir, 'stations.json');
  const accountsFile = join(dir, 'broker-accounts.json');
  const devCredentialsFile = join(dir, 'dev-credentials.json');
  const registry = writeClonedRegistry(loadRegistryFile(), o.stations, registryFile);
  const { credentials } = await ensureDevCredentials(registry, { accountsFile, devCredentialsFile });
  const nodes: ClusterNode[] = [];
  let haproxy: PrivateHaproxy | undefined;
  const close = async () => {
    await haproxy?.stop();
    for (const node of nodes) {
      if (node.process.child.exitCode !== null || node.process.child.signalCode !== null) continue;
      node.process.child.kill('SIGTERM');
      const timer = setTimeout(() => node.process.child.kill('SIGKILL'), 10_000);
      await node.process.exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 1; i <= o.nodes; i++) {
      const [port, metricsPort] = [await freePort(), await freePort()];
      const spawnNode = () =>
        spawnBroker({
          REGISTRY_FILE: registryFile,
          BROKER_ACCOUNTS_FILE: accountsFile,
          DEV_CREDENTIALS_FILE: devCredentialsFile,
          BROKER_REDIS_URL: o.redisUrl,
          BROKER_DATA_DIR: 'none',
          BROKER_SEEDED_SESSIONS: (o.seededSessions ?? []).join(',') || 'none',
          MQTT_PORT: String(port),
          BROKER_METRICS_PORT: String(metricsPort),
          ...o.nodeEnv?.(i, dir),
        });
      let process = spawnNode();
      nodes.push({
        name: `broker-${i}`,
        url: `mqtt://127.0.0.1:${port}`,
        port,
        metricsPort,
        get process() {
          return process;
        },
        async restart() {
          process = spawnNode();
          await Promise.all([process.waitFor('broker_listening'), process.waitFor('metrics_listening')]);
        },
        async stations() {
          const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          return Number(/^broker_clients_connected\{[^}]*role="station"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
        },
        async kill9() {
          process.child.kill('SIGKILL');
          await process.exited;
        },
      });
    }
    await Promise.all(nodes.map((n) => Promise.all([n.process.waitFor('broker_listening'), n.process.waitFor('metrics_listening')])));
    const proxyPort = await freePort();
    haproxy = await startHaproxy({
      bind: { host: '127.0.0.1', port: proxyPort },
      brokers: nodes.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.port, checkPort: n.metricsPort })),
      checkIntervalMs: 500,
    });
    return {
      url: `mqtt://127.0.0.1:${proxyPort}`,
      nodes,
      stations: registry.stations.map((s) => s.id),
      registryFile,
      devCredentialsFile,
      credentials,
      dir,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
