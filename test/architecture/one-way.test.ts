import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import test from 'ava';
import { projectPath } from '../../lib/paths.js';

// "One of each": the jobs that have one implementation in lib/ are not done again by hand.

const PRODUCT = ['domain', 'rules', 'lib', 'broker', 'ingest', 'alerting', 'dashboard-api', 'device-sim', 'grafana', 'platform', 'scripts'];

function sources(): Array<{ file: string; lines: string[] }> {
  const out: Array<{ file: string; lines: string[] }> = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'dist') walk(path);
      } else if (e.name.endsWith('.ts')) {
        out.push({ file: relative(projectPath('.'), path), lines: readFileSync(path, 'utf8').split('\n') });
      }
    }
  };
  for (const d of PRODUCT) walk(projectPath(d));
  return out;
}

const offending = (test: (line: string, file: string) => boolean): string[] =>
  sources().flatMap(({ file, lines }) => lines.flatMap((line, i) => (test(line, file) ? [`${file}:${i + 1}: ${line.trim()}`] : [])));

test('InfluxQL identifiers are quoted by quoteIdent (lib/influx/query.ts) only, never by hand around an interpolation', (t) => {
  const influxql = /\b(SELECT|FROM|WHERE|GROUP BY|AS)\b/;
  t.deepEqual(
    offending((line, file) => file !== 'lib/influx/query.ts' && influxql.test(line) && /"\$\{/.test(line)),
    [],
  );
  // Nor a second quoting routine.
  t.deepEqual(
    offending((line) => /replace\(\/"\/g, '\\\\\\\\"'\)/.test(line) || /replace\(\/"\/g, "\\\\\\\\\\""\)/.test(line)),
    [],
  );
});

test('password hashes are made and checked by lib/password-hash.ts only', (t) => {
  t.deepEqual(
    offending((line, file) => file !== 'lib/password-hash.ts' && /\bscrypt(Sync)?\(|from 'node:crypto'.*\bscrypt\b/.test(line)),
    [],
  );
});

test("the web app takes the server's contract types (API, Socket.IO events) by `import type`, it declares no copy of one", (t) => {
  const declared = (text: string): string[] => [...text.matchAll(/^\s*(?:export\s+)?(?:interface|type)\s+([A-Z]\w*)/gm)].map((m) => m[1]!);
  const all = sources();
  const server = new Set(
    all.filter((s) => !s.file.startsWith('dashboard-api/web/') && /^(domain|rules|dashboard-api)\//.test(s.file)).flatMap((s) => declared(s.lines.join('\n'))),
  );
  const copies = all
    .filter((s) => s.file.startsWith('dashboard-api/web/src/'))
    .flatMap((s) =>
      declared(s.lines.join('\n'))
        .filter((name) => server.has(name))
        .map((name) => `${s.file}: ${name}`),
    );
  t.deepEqual(copies, []);
});

test('JSON files are read and written through lib/json-file.ts (write, fsync, rename)', (t) => {
  t.deepEqual(
    offending((line, file) => file !== 'lib/json-file.ts' && /JSON\.parse\(readFileSync|writeFile(Sync)?\(.*JSON\.stringify/.test(line)),
    [],
  );
});
