import test from 'ava';
import { readFileSync } from 'node:fs';
import { projectPath } from '../../lib/paths.js';
import { withConfigTable } from '../../scripts/config-table.js';

const readme = readFileSync(projectPath('README.md'), 'utf8');

test('the README configuration table is the one the config schemas generate (npm run config:table)', (t) => {
  t.is(readme, withConfigTable(readme));
});

test('the README quick start is the two commands, and .ci/run runs the test one', (t) => {
  t.regex(readme, /```sh\nnpm ci && npm start\n```/);
  t.regex(readme, /```sh\nnpm ci && npm test\n```/);
  t.regex(readFileSync(projectPath('.ci/run'), 'utf8'), /^npm ci && npm test$/m);
});

test('every document the README links to exists', (t) => {
  const links = [...readme.matchAll(/\]\(((?!https?:|\.\.\/)[^)#]+)\)/g)].map((m) => m[1]!);
  t.true(links.length > 3);
  for (const link of links) t.notThrows(() => readFileSync(projectPath(link)), link);
});
