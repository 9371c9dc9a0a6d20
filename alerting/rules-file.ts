import { readJson } from '../lib/json-file.js';
import { parseRulesConfig, RulesConfigError, type RulesConfig } from '../rules/rule-config.js';

/** Reads and validates config/rules.json (or the file given); every bad field is named. */
export function loadRulesFile(path: string): RulesConfig {
  const data = readJson(path, (file, problems) => new RulesConfigError(problems.map((p) => `${file}: ${p}`)));
  try {
    return parseRulesConfig(data);
  } catch (e) {
    if (e instanceof RulesConfigError) throw new RulesConfigError(e.problems.map((p) => `${path}: ${p}`));
    throw e;
  }
}
