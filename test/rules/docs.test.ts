import test from 'ava';
import { readFileSync } from 'node:fs';
import { projectPath } from '../../lib/paths.js';
import { RULES } from '../../rules/catalog.js';

// docs/rules.md lists every rule with its catalogue descriptions and default severity.
test('every rule is documented with its descriptions and severity', (t) => {
  const doc = readFileSync(projectPath('docs/rules.md'), 'utf8');
  for (const r of RULES) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${r.id}\` |`));
    t.truthy(row, `${r.id} has a row`);
    t.true(row!.includes(`| ${r.descriptionZh} |`) && row!.includes(`| ${r.descriptionEn} |`) && row!.includes(`| ${r.severity} |`), row);
  }
});
