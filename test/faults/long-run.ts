// The long fault run of issue 12 item 1 (not in `npm test`: it takes about half an hour): every fault the
// guarantee names — InfluxDB down 10 minutes, InfluxDB frozen a minute, the ingest frozen a minute, the
// ingest killed (kill -9), the broker restarted (SIGTERM) and killed (kill -9) — alone and every pair of two
// of them in a row, each with the ledger check of the fault suite (harness.ts). Scenarios run in lanes, each
// lane its own broker, influxd and ingest; one JSON line per scenario, a Markdown table at the end.
//
//   npm run faults:long
//   FAULTS_LONG_LANES=4 FAULTS_LONG_STATIONS=150 FAULTS_LONG_PERIOD_MS=500 FAULTS_LONG_OUTAGE_S=600 FAULTS_LONG_FREEZE_S=60
//   FAULTS_LONG_ONLY=influxd-freeze,ingest-kill9   (only the scenarios made of these faults)
//   FAULTS_LONG_INGEST=embedded: the ingest inside the broker node (BROKER_INGEST=embedded, as `npm start` runs
//   it): the ingest's freeze and kill are then the node's (broker-freeze, broker-kill9), so the faults are
//   influxd-down, influxd-freeze, broker-freeze, broker-restart and broker-kill9.
//
// A pair "A then B": B begins halfway through A when they strike different processes (so B lands while A
// is still on: the worst figures came from such overlaps, e.g. the ingest killed while InfluxDB is
// down), and right after A ends when they strike the same one. Exits 1 if any scenario lost or duplicated.
import { join } from 'node:path';
import { type IngestProcess, type IngestRun, type Platform, signal, startLoad, startPlatform, verify } from './harness.js';

const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const LANES = num('FAULTS_LONG_LANES', 4);
const STATIONS = num('FAULTS_LONG_STATIONS', 150);
const PERIOD_MS = num('FAULTS_LONG_PERIOD_MS', 500);
const OUTAGE_S = num('FAULTS_LONG_OUTAGE_S', 600);
const FREEZE_S = num('FAULTS_LONG_FREEZE_S', 60);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const INGEST = process.env.FAULTS_LONG_INGEST ?? 'separate';
if (INGEST !== 'separate' && INGEST !== 'embedded') throw new Error('FAULTS_LONG_INGEST must be separate or embedded');
const EMBEDDED = INGEST === 'embedded';

interface Run {
  platform: Platform;
  target: IngestRun;
  /** The ingest process; null when the broker node is the ingest (embedded). */
  ingest: IngestProcess | null;
}

interface Fault {
  name: string;
  strikes: 'influxd' | 'ingest' | 'broker';
  seconds: number;
  begin(run: Run): Promise<void>;
  end(run: Run): Promise<void>;
}

const FAULTS: Fault[] = [
  {
    name: 'influxd-down',
    strikes: 'influxd',
    seconds: OUTAGE_S,
    begin: (r) => r.platform.killInfluxd(),
    end: (r) => r.platform.restartInfluxd(),
  },
  {
    name: 'influxd-freeze',
    strikes: 'influxd',
    seconds: FREEZE_S,
    begin: async (r) => signal(r.platform.influxdPid(), 'SIGSTOP'),
    end: async (r) => signal(r.platform.influxdPid(), 'SIGCONT'),
  },
  {
    name: 'ingest-freeze',
    strikes: 'ingest',
    seconds: FREEZE_S,
    begin: async (r) => signal(r.ingest!.child.pid!, 'SIGSTOP'),
    end: async (r) => signal(r.ingest!.child.pid!, 'SIGCONT'),
  },
  {
    name: 'ingest-kill9',
    strikes: 'ingest',
    seconds: 10,
    begin: (r) => r.ingest!.kill9(),
    end: async (r) => void (r.ingest = await supervised(r)),
  },
  {
    name: 'broker-freeze',
    strikes: 'broker',
    seconds: FREEZE_S,
    begin: async (r) => signal(r.platform.broker.pid!, 'SIGSTOP'),
    end: async (r) => signal(r.platform.broker.pid!, 'SIGCONT'),
  },
  {
    name: 'broker-restart',
    strikes: 'broker',
    seconds: 5,
    begin: (r) => r.platform.stopBroker(),
    end: (r) => r.platform.restartBroker(),
  },
  {
    name: 'broker-kill9',
    strikes: 'broker',
    seconds: 5,
    begin: (r) => r.platform.killBroker(),
    end: (r) => r.platform.restartBroker(),
  },
];

/**
 * Starts the ingest again as its supervisor would (docker compose: restart unless-stopped): the ingest exits
 * when the broker is unreachable at start (e.g. restarted in a pair with a broker restart), so try again.
 */
async function supervised(r: Run): Promise<IngestProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await r.platform.startIngest(r.target);
    } catch (err) {
      if (attempt >= 60) throw err;
      await sleep(2000);
    }
  }
}

type Scenario = Fault[];
const only = process.env.FAULTS_LONG_ONLY?.split(',');
// The faults: of its own ingest process, or (embedded) of the broker node that is the ingest.
const modeFaults = FAULTS.filter((f) => (EMBEDDED ? f.strikes !== 'ingest' : f.name !== 'broker-freeze'));
const faults = only ? modeFaults.filter((f) => only.includes(f.name)) : modeFaults;
const scenarios: Scenario[] = [...faults.map((f) => [f]), ...faults.flatMap((a, i) => faults.slice(i + 1).map((b) => [a, b]))];
const label = (s: Scenario): string => s.map((f) => f.name).join(' → ');
/** Wall seconds of a scenario's faults. */
const span = ([a, b]: Scenario): number =>
  !b ? a!.seconds : b.strikes === a!.strikes ? a!.seconds + b.seconds : Math.max(a!.seconds, a!.seconds / 2 + b.seconds);

/** Runs the faults of a scenario on their schedule; resolves when the last one ended (every fault begun is ended, even after an error). */
async function strike(run: Run, [a, b]: Scenario): Promise<void> {
  const t0 = Date.now();
  const ends: Array<{ at: number; fault: Fault }> = [];
  const begin = async (fault: Fault) => {
    const at = Date.now() + fault.seconds * 1000;
    await fault.begin(run);
    ends.push({ at, fault });
  };
  // Each fault ends at its own time, independently: an ingest restarted while the broker is still down
  // retries (supervised) until the broker's own end brings it back.
  const endDue = () => Promise.all(ends.splice(0).map(async ({ at, fault }) => (await sleep(at - Date.now()), fault.end(run))));
  try {
    await begin(a!);
    if (b && b.strikes === a!.strikes) {
      await endDue();
      await begin(b);
    } else if (b) {
      await sleep(t0 + (a!.seconds * 1000) / 2 - Date.now());
      await begin(b);
    }
    await endDue();
  } finally {
    // After an error: end what is still on (thaw, restart) so the lane can go on.
    for (const { fault } of ends.splice(0)) await fault.end(run).catch(() => undefined);
  }
}

async function scenario(platform: Platform, faultsInRow: Scenario, n: number, laneDatabase: string) {
  // Embedded, the node writes every scenario of its lane to one database: the ledger counts from its own start.
  const target: IngestRun = { database: EMBEDDED ? laneDatabase : `long${n}`, walDir: join(platform.dir, `wal${n}`) };
  const run: Run = { platform, target, ingest: EMBEDDED ? null : await platform.startIngest(target) };
  const load = await startLoad(platform, { periodMs: PERIOD_MS });
  try {
    await sleep(5000);
    await strike(run, faultsInRow);
    const faultEndedAt = Date.now();
    await sleep(5000);
    await load.stop();
    const figures = await verify(platform, target.database, load.ledger, {
      scenario: label(faultsInRow),
      faultEndedAt,
      timeoutMs: 300_000,
      extra: { faultSeconds: Math.round(span(faultsInRow)) },
    });
    await run.ingest?.stop();
    return figures;
  } finally {
    await platform.endScenario();
  }
}

// Longest first, each to the lane with the least work so far.
const lanes: Array<{ work: number; scenarios: Array<{ s: Scenario; n: number }> }> = Array.from({ length: LANES }, () => ({ work: 0, scenarios: [] }));
[...scenarios.entries()]
  .sort(([, x], [, y]) => span(y) - span(x))
  .forEach(([n, s]) => {
    const lane = lanes.reduce((best, l) => (l.work < best.work ? l : best));
    lane.work += span(s) + 30;
    lane.scenarios.push({ s, n });
  });

const results: Array<Record<string, unknown>> = [];
const startedAt = Date.now();
await Promise.all(
  lanes
    .filter((l) => l.scenarios.length > 0)
    .map(async (lane, k) => {
      const laneDatabase = `long_lane${k}`;
      const platform = await startPlatform({ stations: STATIONS, embeddedIngest: EMBEDDED ? { database: laneDatabase } : undefined });
      try {
        for (const { s, n } of lane.scenarios) {
          try {
            results.push(await scenario(platform, s, n, laneDatabase));
          } catch (err) {
            console.log(JSON.stringify({ scenario: label(s), error: (err as Error).message }));
            results.push({ scenario: label(s), error: (err as Error).message });
          }
        }
      } finally {
        await platform.close();
      }
    }),
);

const order = new Map(scenarios.map((s, i) => [label(s), i]));
results.sort((x, y) => order.get(String(x.scenario))! - order.get(String(y.scenario))!);
console.log(
  `\n${INGEST} ingest; ${STATIONS} stations, one QoS 1 message each per ${PERIOD_MS} ms; ${LANES} lanes; ${Math.round((Date.now() - startedAt) / 60_000)} min in all\n`,
);
console.log('| faults (in a row) | fault s | acked | persisted | lost | duplicated | recovery s |\n|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    r.error
      ? `| ${r.scenario} | | | | error: ${r.error} | | |`
      : `| ${r.scenario} | ${r.faultSeconds} | ${r.acked} | ${r.persisted} | ${r.lost} | ${r.duplicated} | ${r.recoveryS} |`,
  );
}
process.exitCode = results.every((r) => !r.error && r.lost === 0 && r.duplicated === 0) ? 0 : 1;
