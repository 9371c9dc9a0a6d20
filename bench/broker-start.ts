// bench/broker-start: how long the broker takes to be ready with N station accounts (development
// credentials, as `npm start` runs it): generating the accounts the first time, checking them on a
// restart (every password against its scrypt hash, or nothing when both files are as last verified),
// and opening the listener. Prints one JSON object.
//
//   npx tsx bench/broker-start.ts        BENCH_START_STATIONS=3000
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBroker } from '../broker/broker.js';
import { ensureDevCredentials } from '../broker/credentials.js';
import { writeClonedRegistry } from '../device-sim/clone.js';
import { createLogger } from '../lib/logger.js';
import { loadRegistryFile } from '../lib/registry-file.js';

const stations = Number(process.env.BENCH_START_STATIONS ?? 3000);
const dir = mkdtempSync(join(tmpdir(), 'qdyz-start-'));
const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const value = await fn();
  return [value, Math.round(performance.now() - t0)];
};
try {
  const registry = writeClonedRegistry(loadRegistryFile(), stations, join(dir, 'stations.json'));
  const paths = { accountsFile: join(dir, 'accounts.json'), devCredentialsFile: join(dir, 'dev.json') };
  const [, generateMs] = await timed(() => ensureDevCredentials(registry, paths));
  const [, restartMs] = await timed(() => ensureDevCredentials(registry, paths));
  rmSync(`${paths.devCredentialsFile}.verified`); // as before the stamp: one scrypt per account
  const [{ accounts }, verifyAllMs] = await timed(() => ensureDevCredentials(registry, paths));
  const logger = createLogger('bench', 'silent');
  const [broker, listenMs] = await timed(() => startBroker({ registry, accounts, logger, port: 0, wsPort: null, sessions: { dir: join(dir, 'broker') } }));
  await broker.close();
  console.log(
    JSON.stringify(
      {
        bench: 'broker-start',
        accounts: accounts.size,
        generateMs,
        restartCheckMs: restartMs,
        restartCheckEveryPasswordMs: verifyAllMs,
        startBrokerMs: listenMs,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
