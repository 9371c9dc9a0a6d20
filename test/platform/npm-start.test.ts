import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ALERTING_SERIES, PLATFORM_SERIES, SERIES, TAGS, type FieldOf } from '../../domain/series.js';
import { spawnPlatform } from './spawn-platform.js';

const ONLINE: FieldOf<'status'> = 'online';

// Issue 2's first "done when": the one-command platform has data from all 600 stations in InfluxDB
// within 60 seconds, proven by an InfluxQL count by station, and Ctrl-C stops it cleanly.
test('the all-in-one platform gets all 600 stations into InfluxDB within 60 s and stops cleanly on SIGINT', async (t) => {
  t.timeout(150_000);
  const platform = spawnPlatform(t);
  const { child, exited } = platform;
  const db = platform.config.INFLUX_DATABASE;

  const started = Date.now();
  let influxUrl: string | undefined;
  while (!influxUrl && Date.now() - started < 60_000) {
    influxUrl = /InfluxDB .*?(http:\/\/127\.0\.0\.1:\d+)/.exec(platform.output())?.[1];
    await new Promise((r) => setTimeout(r, 200));
  }
  t.truthy(influxUrl, `no banner printed:\n${platform.output()}`);
  t.regex(platform.output(), /Dashboard .*http:\/\/localhost:\d+\//);
  // No server for the shared state: an embedded SQLite file, with dev users generated into it.
  t.regex(platform.output(), /login admin \/ \S+/);
  t.true(existsSync(join(platform.dir, 'platform.db')));
  t.regex(platform.output(), /Database .* sqlite:\/.+\/platform\.db/);

  const countStations = async (): Promise<number> => {
    const q = `SELECT count("${ONLINE}") FROM "${SERIES.status.measurement}" GROUP BY "${TAGS.station}"`;
    const res = await fetch(`${influxUrl}/query?db=${db}&q=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { results: Array<{ series?: unknown[] }> };
    return body.results[0]?.series?.length ?? 0;
  };
  let stations = 0;
  while (Date.now() - started < 60_000) {
    stations = await countStations();
    if (stations === 600) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  t.is(stations, 600, `stations with data after ${Math.round((Date.now() - started) / 1000)} s`);
  t.log(`600 stations in InfluxDB ${((Date.now() - started) / 1000).toFixed(1)} s after start`);

  // Before the live fleet, today so far (at most the last hour here) was replayed through the pipeline.
  const replayedFrom = /today since (\S+) replayed first: (\d+) messages/.exec(platform.output());
  const sinceMidnight = (Date.now() + 8 * 3600_000) % 86_400_000;
  if (sinceMidnight > 15 * 60_000) {
    t.truthy(replayedFrom, 'a fresh start replays today so far');
    const earliest = await fetch(
      `${influxUrl}/query?db=${db}&epoch=ms&q=${encodeURIComponent(`SELECT first("${ONLINE}") FROM "${SERIES.status.measurement}"`)}`,
    );
    const first = ((await earliest.json()) as { results: Array<{ series: Array<{ values: number[][] }> }> }).results[0]!.series[0]!.values[0]![0]!;
    t.true(first <= started - 10 * 60_000, 'history older than the start is in InfluxDB');
    t.true(Number(replayedFrom![2]) > 600, 'every station replayed something');
  }

  // Issue 15: the platform records its own coverage — the ingest while it receives, and the replayed stretch declared watched.
  const coverageSources = async (): Promise<string[]> => {
    const q = `SELECT count("span_ms") FROM "${PLATFORM_SERIES.coverage.measurement}" GROUP BY "source"`;
    const body = (await (await fetch(`${influxUrl}/query?db=${db}&q=${encodeURIComponent(q)}`)).json()) as {
      results: Array<{ series?: Array<{ tags: { source: string } }> }>;
    };
    return (body.results[0]?.series ?? []).map((x) => x.tags.source).sort();
  };
  let sources: string[] = [];
  for (const end = Date.now() + 40_000; !sources.includes('svc-ingest') && Date.now() < end; ) {
    sources = await coverageSources();
    if (!sources.includes('svc-ingest')) await new Promise((r) => setTimeout(r, 1000));
  }
  t.true(sources.includes('svc-ingest'), `coverage sources: ${sources.join(', ')}`);
  if (replayedFrom) t.true(sources.includes('fill-today'), 'the replayed stretch is declared watched');

  // Issue 15: a first start writes plausible inspection records, so facility completeness is not the same everywhere.
  const inspected = async (): Promise<number> => {
    const q = `SELECT count("present") FROM "${ALERTING_SERIES.attestation.measurement}" GROUP BY "${TAGS.station}"`;
    const body = (await (await fetch(`${influxUrl}/query?db=${db}&q=${encodeURIComponent(q)}`)).json()) as { results: Array<{ series?: unknown[] }> };
    return body.results[0]?.series?.length ?? 0;
  };
  let stationsInspected = 0;
  for (const end = Date.now() + 30_000; stationsInspected < 500 && Date.now() < end; ) {
    stationsInspected = await inspected();
    if (stationsInspected < 500) await new Promise((r) => setTimeout(r, 1000));
  }
  t.true(stationsInspected >= 500, `${stationsInspected} stations with inspection records`);

  child.kill('SIGINT');
  t.is((await exited).code, 0, platform.output().slice(-2000));
  const errors = platform
    .output()
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line));
  t.deepEqual(errors, [], 'no error was logged from start to stop');
});
