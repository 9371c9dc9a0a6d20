import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import test from 'ava';
import { projectPath } from '../../lib/paths.js';

// scripts/test-at-instants.sh runs only the tests whose code reads the wall clock again under faketime.
// These test files, and every project module they import (transitively), read no clock: their result is
// the same at any instant, so the plain `ava` run already judges them. A clock read added to any of them
// fails here: inject a clock, or list the file in scripts/test-at-instants.sh.

const CLOCK_FREE_DIRS = ['test/rules', 'test/domain'];
const CLOCK_FREE_FILES = ['test/device-sim/day-plan.test.ts'];
const CLOCK_READ = /\bDate\.now\b|\bnew Date\(\s*\)|(?<![\w.])Date\(\s*\)/;

/** The file and every .ts file of the project it imports by a relative path, transitively. */
function reached(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/\bfrom '(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), spec!.replace(/\.js$/, '.ts'));
      if (existsSync(target)) visit(target);
    }
  };
  for (const e of entries) visit(e);
  return seen;
}

const entries = (): string[] => [
  ...CLOCK_FREE_DIRS.flatMap((d) =>
    readdirSync(projectPath(d))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => projectPath(d, f)),
  ),
  ...CLOCK_FREE_FILES.map((f) => projectPath(f)),
];

const clockReads = (files: Iterable<string>): string[] =>
  [...files].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (CLOCK_READ.test(line) ? [`${relative(projectPath('.'), file)}:${i + 1}: ${line.trim()}`] : [])),
  );

test('the rules, domain and day-plan tests and all they import read no wall clock (so faketime cannot change them)', (t) => {
  const files = reached(entries());
  t.true(files.has(projectPath('domain/schedule.ts')) && files.has(projectPath('rules/engine.ts')), 'imports are followed');
  t.deepEqual(clockReads(files), []);
});

test('the clock check finds a clock read in code such a test imports', (t) => {
  // The ingest's telemetry consumer falls back to Date.now: a test importing it would not be clock-free.
  t.true(clockReads(reached([projectPath('lib/telemetry-consumer.ts')])).length > 0);
  t.true(CLOCK_READ.test('const t = new Date();') && CLOCK_READ.test('now = Date.now') && !CLOCK_READ.test("new Date('2026-01-01')"));
});
