import type { ChildProcess } from 'node:child_process';
import type { FleetStats } from '../../device-sim/stats.js';
import { startTs, stopChild } from './proc.js';

// A group of loader processes (bench/lib/loader.ts), each with a slice of the stations and its
// own loopback source addresses.

export interface LoaderGroup {
  children: ChildProcess[];
  /** Resolves when every loader has connected all its stations. */
  ready: Promise<void>;
  connected(): number;
  start(): void;
  /** Each loader's figures so far, while it keeps publishing. */
  stats(): Promise<FleetStats[]>;
  /** Stops publishing, disconnects, and returns each loader's figures. */
  stop(): Promise<FleetStats[]>;
}

export function startLoaders(o: {
  processes: number;
  from: number;
  to: number;
  rate: number;
  registryFile: string;
  credentialsFile: string;
  /** Several: the stations are spread over them (nodes of a cluster). */
  brokerUrl: string | string[];
  stagger?: boolean;
  changesPerHeartbeat?: number;
  /** Each station's inflight window (QoS 1 messages without a PUBACK); unlimited when absent. */
  maxInFlight?: number;
  /** Source addresses per loader process (127.0.0.x, distinct across loaders). */
  addressesPerLoader?: number;
}): LoaderGroup {
  const per = Math.ceil((o.to - o.from) / o.processes);
  const connected = new Map<ChildProcess, number>();
  const children = Array.from({ length: o.processes }, (_, i) => {
    const from = o.from + i * per;
    const n = o.addressesPerLoader ?? 1;
    const localAddresses = Array.from({ length: n }, (_, k) => `127.0.0.${2 + i * n + k}`);
    return startTs(
      'bench/lib/loader.ts',
      {
        LOADER_CONFIG: JSON.stringify({
          registryFile: o.registryFile,
          credentialsFile: o.credentialsFile,
          brokerUrl: o.brokerUrl,
          from,
          to: Math.min(o.to, from + per),
          rate: o.rate,
          stagger: o.stagger,
          changesPerHeartbeat: o.changesPerHeartbeat,
          maxInFlight: o.maxInFlight,
          localAddresses,
        }),
      },
      true,
    );
  });
  for (const c of children) c.on('message', (m: { type: string; connected?: number }) => m.connected !== undefined && connected.set(c, m.connected));
  const ready = Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve, reject) => {
          c.on('message', (m: { type: string }) => m.type === 'ready' && resolve());
          c.once('exit', (code) => reject(new Error(`loader exited with ${code} before it was ready`)));
        }),
    ),
  ).then(() => undefined);
  return {
    children,
    ready,
    connected: () => [...connected.values()].reduce((a, b) => a + b, 0),
    start: () => children.forEach((c) => c.send({ cmd: 'start' })),
    stats: () => Promise.all(children.map((c) => ask(c, 'stats'))),
    async stop() {
      const stats = await Promise.all(children.map((c) => ask(c, 'stop')));
      await Promise.all(children.map((c) => stopChild(c)));
      return stats;
    },
  };
}

/** Sends a command whose answer is the loader's figures. */
function ask(child: ChildProcess, cmd: 'stats' | 'stop'): Promise<FleetStats> {
  return new Promise((resolve) => {
    const onMessage = (m: { type: string; stats?: FleetStats }) => {
      if (m.type !== 'stats' || !m.stats) return;
      child.off('message', onMessage);
      resolve(m.stats);
    };
    child.on('message', onMessage);
    child.send({ cmd });
  });
}
