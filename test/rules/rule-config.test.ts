import test from 'ava';
import { readFileSync } from 'node:fs';
import { projectPath } from '../../lib/paths.js';
import { RULE_IDS } from '../../rules/catalog.js';
import { parseRulesConfig, resolveRules, RulesConfigError } from '../../rules/rule-config.js';

test('the shipped config/rules.json is valid and names every rule', (t) => {
  const raw = JSON.parse(readFileSync(projectPath('config/rules.json'), 'utf8'));
  const cfg = parseRulesConfig(raw);
  t.deepEqual(Object.keys(cfg.rules).sort(), [...RULE_IDS].sort());
});

test('station overrides beat district overrides beat global settings', (t) => {
  const cfg = parseRulesConfig({
    version: 1,
    rules: { fridge_too_warm: { forS: 600, params: { maxTempC: 7 } } },
    overrides: [
      { district: 'SN', rule: 'fridge_too_warm', set: { forS: 900, severity: 'critical' } },
      { station: 'SN-0002', rule: 'fridge_too_warm', set: { params: { maxTempC: 10 } } },
    ],
  });
  const of = (id: string, district: 'SN' | 'SB') => resolveRules(cfg, { id, district }).find((r) => r.spec.id === 'fridge_too_warm')!;
  t.like(of('SB-0001', 'SB'), { forMs: 600_000, severity: 'major', params: { maxTempC: 7, hysteresisC: 0.5 } });
  t.like(of('SN-0001', 'SN'), { forMs: 900_000, severity: 'critical', params: { maxTempC: 7 } });
  t.like(of('SN-0002', 'SN'), { forMs: 900_000, severity: 'critical', params: { maxTempC: 10 } });
});

test('a bad file names every problem with its path', (t) => {
  const e = t.throws(
    () =>
      parseRulesConfig({
        version: 1,
        rules: { fridge_too_warm: { params: { maxTempC: 'hot' } }, station_offline: { params: { missedHeartbeats: 0 } } },
        overrides: [{ district: 'SN', rule: 'over_capacity', set: { params: { nope: 1 } } }],
      }),
    { instanceOf: RulesConfigError },
  );
  t.is(e.problems.length, 3, e.message);
  t.regex(e.message, /rules\.fridge_too_warm\.params\.maxTempC/);
  t.regex(e.message, /rules\.station_offline\.params\.missedHeartbeats/);
  t.regex(e.message, /overrides\.0\.set\.params/);
});

test('unknown rules, severities and ambiguous overrides are refused', (t) => {
  const e = t.throws(
    () =>
      parseRulesConfig({
        version: 1,
        rules: { no_such_rule: {}, over_capacity: { severity: 'urgent' } },
        overrides: [{ district: 'SN', station: 'SN-0001', rule: 'over_capacity', set: {} }],
      }),
    { instanceOf: RulesConfigError },
  );
  t.regex(e.message, /no_such_rule/);
  t.regex(e.message, /rules\.over_capacity\.severity/);
  t.regex(e.message, /exactly one of "district" or "station"/);
});
