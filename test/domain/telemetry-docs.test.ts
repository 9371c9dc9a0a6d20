import test from 'ava';
import { readFileSync } from 'node:fs';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { projectPath } from '../../lib/paths.js';
import { decodeTelemetry, REJECT_REASONS, SPEAKER_CATEGORIES } from '../../domain/telemetry.js';
import { SERIES } from '../../domain/series.js';

const doc = readFileSync(projectPath('docs/telemetry.md'), 'utf8');
const registry = loadRegistryFile();

test('every payload example in docs/telemetry.md is valid against its schema', (t) => {
  const examples = [...doc.matchAll(/```json topic=(\S+)\n([\s\S]*?)```/g)];
  t.true(examples.length >= 8);
  for (const [, topic, body] of examples) {
    const d = decodeTelemetry(topic!, Buffer.from(body!), registry, Date.parse('2026-06-01T04:00:00Z'));
    t.true(d.ok, `${topic}: ${d.ok ? '' : d.detail}`);
  }
});

test('every rejected example in docs/telemetry.md is rejected for the reason it names', (t) => {
  const examples = [...doc.matchAll(/```json topic=(\S+) reject=(\w+)\n([\s\S]*?)```/g)];
  t.true(examples.length >= 4);
  for (const [, topic, reason, body] of examples) {
    const d = decodeTelemetry(topic!, Buffer.from(body!), registry, Date.parse('2026-06-01T04:00:00Z'));
    t.is(d.ok ? 'accepted' : d.reason, reason!, `${topic}: ${body!.trim()}`);
  }
});

test('every rejection reason is documented, and only those', (t) => {
  const table = doc.slice(doc.indexOf('| reason | what was refused |'));
  const documented = [...table.split('\n\n')[0]!.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
  t.deepEqual(documented, [...REJECT_REASONS]);
});

test('the documented InfluxDB fields are exactly those the ingest writes', (t) => {
  for (const series of Object.values(SERIES)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${series.measurement}\` |`));
    t.truthy(row, series.measurement);
    const documented = [...row!.split('|')[2]!.matchAll(/`(\w+)`/g)].map((m) => m[1]);
    t.deepEqual(documented.sort(), Object.keys(series.fields).sort(), series.measurement);
  }
  t.is(SPEAKER_CATEGORIES.length, 5);
});
