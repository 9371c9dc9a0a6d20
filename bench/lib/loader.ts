// A load-generator process for the benchmarks: connects its share of stations (own credentials,
// own source address), then publishes at the rate on command. Controlled over IPC:
//   parent → {cmd:'start'} | {cmd:'stop'};  child → {type:'ready', connected} | {type:'stats', stats}
import { readFileSync } from 'node:fs';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { heartbeatAndChanges, startLoad } from '../../device-sim/load.js';

const config = JSON.parse(process.env.LOADER_CONFIG ?? '{}') as {
  registryFile: string;
  credentialsFile: string;
  brokerUrl: string | string[];
  from: number;
  to: number;
  rate: number;
  localAddresses?: string[];
  stagger?: boolean;
  /** Set: each station sends a heartbeat plus this many changes per cycle (heartbeatAndChanges). */
  changesPerHeartbeat?: number;
  /** Each station's inflight window; unlimited when absent. */
  maxInFlight?: number;
};
const registry = loadRegistryFile(config.registryFile);
const credentials = JSON.parse(readFileSync(config.credentialsFile, 'utf8')) as Record<string, string>;
const load = startLoad({
  stations: registry.stations.slice(config.from, config.to),
  brokerUrl: config.brokerUrl,
  credentials,
  rate: config.rate,
  stagger: config.stagger,
  message: config.changesPerHeartbeat === undefined ? undefined : heartbeatAndChanges(config.changesPerHeartbeat),
  localAddresses: config.localAddresses,
  maxInFlight: config.maxInFlight,
  logger: createLogger('bench-loader', process.env.LOG_LEVEL ?? 'warn'),
});
const send = (m: unknown): void => void process.send?.(m);
const progress = setInterval(() => send({ type: 'progress', connected: load.connected() }), 1000);
load.ready.then(() => send({ type: 'ready', connected: load.connected() }));
// The bench that started us is gone (killed, or crashed): do not hold thousands of connections on.
const orphaned = () => process.exit(1);
process.on('disconnect', orphaned);
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'start') load.start();
  if (m.cmd === 'stats') send({ type: 'stats', stats: load.stats() });
  if (m.cmd === 'stop') {
    clearInterval(progress);
    void load.stop().then((stats) => {
      send({ type: 'stats', stats });
      process.off('disconnect', orphaned);
      process.disconnect?.();
      setTimeout(() => process.exit(0), 100);
    });
  }
});
