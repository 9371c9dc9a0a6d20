import { readFileSync } from 'node:fs';
import { parseRulesConfig, RulesConfigError, type RulesConfig } from '../rules/rule-config.js';

/** Reads and validates config/rules.json (or the file given); every bad field is named. */
export function loadRulesFile(path: string): RulesConfig {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new RulesConfigError([`${path}: ${(e as Error).message}`]);
  }
  try {
    return parseRulesConfig(data);
  } catch (e) {
    if (e instanceof RulesConfigError) throw new RulesConfigError(e.problems.map((p) => `${path}: ${p}`));
    throw e;
  }
}
