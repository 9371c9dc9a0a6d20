// ava's configuration (a file, not package.json, for the sorter below).
// ava starts the test files in this order, `concurrency` at a time. The longest files go first so they
// overlap the many short ones; started late, one of them alone set the suite's end (faults/ began at
// ~500 s of a 711 s run). Seconds: one `npx ava --verbose` run on the 2 cores at load 5-8. A file missing
// here only starts later; the list decides nothing else.
const LONGEST_FIRST = [
  'test/dashboard/browser-walk.test.ts', // ~165 s: four walks, one after another
  'test/faults/influxd-and-ingest-faults.test.ts', // ~135 s
  'test/faults/broker-faults.test.ts', // ~95 s: 3,000 station accounts, then one timeline
  'test/device-sim/model.test.ts', // ~90 s of CPU
  'test/platform/device-sim-cli.test.ts', // ~67 s
  'test/dashboard/browser-views.test.ts', // ~50 s
  'test/broker/frozen-subscriber.test.ts', // ~40 s
  'test/faults/embedded-ingest-faults.test.ts', // ~30 s
  'test/dashboard/browser.test.ts', // ~30 s
];
const rank = (file) => {
  const i = LONGEST_FIRST.findIndex((f) => file.endsWith(f));
  return i === -1 ? LONGEST_FIRST.length : i;
};

export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  // A file's tests may go this long without a result (ava's timer restarts at each): the fault timelines take
  // 1.5-2 min alone and more beside two other files on a loaded CI machine.
  timeout: '5m',
  // Three at a time on the 2 cores: most files wait on real processes (influxd, redis, postgres, Chromium).
  concurrency: 3,
  sortTestFiles: (a, b) => rank(a) - rank(b),
};
