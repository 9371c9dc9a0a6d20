import test from 'ava';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { spawnPlatform } from './spawn-platform.js';

/** A zombie (killed, not yet reaped by whoever inherited it) holds no port and counts as gone. */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

// Ctrl-C while `npm start` is still starting (the replay of today can take minutes) must stop what
// has started, the private influxd included: a left-over influxd keeps its port and data dir and the
// next `npm start` fails.
test('SIGINT during start-up stops the private influxd and exits 0', async (t) => {
  t.timeout(120_000);
  const platform = spawnPlatform(t, { LOG_LEVEL: 'info' });
  const [, port, pid] = await platform.waitFor(/"url":"http:\/\/127\.0\.0\.1:(\d+)"[^\n]*"pid":(\d+)[^\n]*private influxd started/, 60_000);
  // The replay of today is the long part of start-up; a start just after local midnight has none.
  const sinceMidnight = (Date.now() + 8 * 3600_000) % 86_400_000;
  if (sinceMidnight > 15 * 60_000) await platform.waitFor(/"event":"fill_today"/, 60_000);
  t.notRegex(platform.output(), /Ctrl-C stops everything/, 'the signal arrives before start-up ends');

  platform.child.kill('SIGINT');
  const { code, signal } = await platform.exited;
  t.deepEqual({ code, signal }, { code: 0, signal: null }, platform.output().slice(-2000));
  const deadline = Date.now() + 5000;
  while (alive(Number(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.false(alive(Number(pid)), 'influxd is gone');
  t.true(await portFree(Number(port)), 'its port is free');
  t.regex(platform.output(), /"event":"shutdown"[^\n]*"signal":"SIGINT"/);
  const errors = platform
    .output()
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line));
  t.deepEqual(errors, [], 'no error was logged');
});
