import { ALERTING_SERIES, SERIES } from '../../domain/series.js';

// Reads a panel's InfluxQL and names every identifier that is not in the telemetry contract
// (domain/series.ts: the telemetry and the alerting records): measurements after FROM, and every other quoted name must be a field or tag
// of a measurement the query reads, or an alias the query itself defines with AS.

export interface ContractSeries {
  measurement: string;
  tags: readonly string[];
  fields: Record<string, string>;
}

export const CONTRACT: readonly ContractSeries[] = [...Object.values(SERIES), ...Object.values(ALERTING_SERIES)];

const QUOTED = /"((?:[^"\\]|\\.)*)"/g;

export interface QueryNames {
  measurements: string[];
  aliases: string[];
  others: string[];
}

export function namesIn(query: string): QueryNames {
  const names: QueryNames = { measurements: [], aliases: [], others: [] };
  for (const m of query.matchAll(QUOTED)) {
    const before = query.slice(0, m.index).trimEnd().toUpperCase();
    const name = m[1]!.replace(/\\"/g, '"');
    if (before.endsWith('FROM')) names.measurements.push(name);
    else if (before.endsWith(' AS')) names.aliases.push(name);
    else names.others.push(name);
  }
  return names;
}

/** Problems with one query; empty when every name is in the contract. */
export function contractProblems(query: string, contract: readonly ContractSeries[] = CONTRACT): string[] {
  const problems: string[] = [];
  for (const m of query.matchAll(/\bFROM\s+(?!["(])(\S+)/gi)) problems.push(`unquoted measurement ${m[1]} (quote it, from domain/series.ts)`);
  const names = namesIn(query);
  const read: ContractSeries[] = [];
  for (const measurement of names.measurements) {
    const series = contract.find((s) => s.measurement === measurement);
    if (series) read.push(series);
    else problems.push(`measurement "${measurement}" is not in the telemetry contract`);
  }
  if (names.measurements.length === 0) problems.push('reads no measurement');
  for (const name of names.others) {
    const known = names.aliases.includes(name) || read.some((s) => s.tags.includes(name) || name in s.fields);
    if (!known) problems.push(`"${name}" is neither a field nor a tag of ${names.measurements.map((m) => `"${m}"`).join(', ')}`);
  }
  return problems;
}
