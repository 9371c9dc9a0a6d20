import { SEVERITIES } from '../../domain/alerts.js';
import { DISTRICTS } from '../../domain/districts.js';
import { APPLIANCES } from '../../domain/equipment.js';
import { TZ_OFFSET_MS } from '../../domain/schedule.js';
import { ALERTING_SERIES, SERIES, TAGS } from '../../domain/series.js';
import type { PanelJson } from '../../grafana/board.js';

// Reads a panel's InfluxQL and names every identifier that is not in the telemetry contract
// (domain/series.ts: the telemetry and the alerting records): measurements after FROM, and every other quoted name must be a field or tag
// of a measurement the query reads, or an alias the query itself defines with AS. And it names
// every column a panel's transformations, overrides or options refer to that its queries do not produce.

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

// --- the names a panel's transformations and overrides use must be names its queries produce ---

/** Splits at commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter(Boolean);
}

/** The outer query's text with every parenthesised part (subqueries, function calls) blanked. */
const outerLevel = (query: string): string => {
  let depth = 0;
  return [...query].map((c) => (c === '(' ? (depth++, c) : c === ')' ? (depth--, c) : depth > 0 ? ' ' : c)).join('');
};

/** The columns the outer SELECT produces (its AS names) and the tags the outer GROUP BY keeps. */
export function outerColumns(query: string): { columns: string[]; groupTags: string[] } {
  const outer = outerLevel(query);
  const fromAt = outer.search(/\sFROM\s/i);
  const columns = splitTopLevel(query.slice(outer.search(/SELECT\s/i) + 'SELECT'.length, fromAt)).map((expr) => {
    const as = /\bAS\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(expr);
    const bare = /^"((?:[^"\\]|\\.)*)"$/.exec(expr);
    return as?.[1] ?? bare?.[1] ?? /^(\w+)\(/.exec(expr)?.[1] ?? expr;
  });
  const groupAt = outer.search(/\sGROUP BY\s/i);
  const groupTags =
    groupAt < 0
      ? []
      : splitTopLevel(
          query
            .slice(groupAt)
            .replace(/^\s*GROUP BY\s+/i, '')
            .replace(/\s+(fill|ORDER|LIMIT|SLIMIT|tz)\b.*$/is, ''),
        ).flatMap((g) => {
          const m = /^"((?:[^"\\]|\\.)*)"$/.exec(g);
          return m ? [m[1]!] : [];
        });
  return { columns, groupTags };
}

/** The values a tag takes, where the domain knows them (a series aliased `$tag_<name>` is named by them). */
const TAG_VALUES: Record<string, readonly string[]> = {
  [TAGS.district]: DISTRICTS.map((d) => d.code),
  [TAGS.appliance]: APPLIANCES,
  severity: SEVERITIES,
};

/**
 * The names the results of a panel's queries carry, as Grafana names them: a table has `Time`,
 * the outer GROUP BY tags and the selected columns; a time series is named by its alias, with
 * `$col` the column and `$tag_<name>` each value of the tag.
 */
export function resultNames(panel: PanelJson): Set<string> {
  const names = new Set<string>();
  for (const target of panel.targets ?? []) {
    const { columns, groupTags } = outerColumns(String(target.query));
    if (target.resultFormat === 'table') {
      for (const name of ['Time', ...groupTags, ...columns]) names.add(name);
      continue;
    }
    const alias = typeof target.alias === 'string' ? target.alias : '';
    if (!alias) for (const name of columns) names.add(name);
    else if (alias === '$col') for (const name of columns) names.add(name);
    else if (alias.startsWith('$tag_')) for (const value of TAG_VALUES[alias.slice('$tag_'.length)] ?? []) names.add(value);
    else names.add(alias);
  }
  return names;
}

interface FieldOverride {
  matcher: { id: string; options?: unknown };
}

/** Names the panel's transformations, overrides and options refer to, with where each is used. */
export function referencedNames(panel: PanelJson): Array<{ name: string; where: string }> {
  const refs: Array<{ name: string; where: string }> = [];
  for (const transformation of (panel.transformations ?? []) as Array<{ id: string; options?: Record<string, unknown> }>) {
    for (const key of ['excludeByName', 'renameByName', 'indexByName']) {
      for (const name of Object.keys((transformation.options?.[key] as Record<string, unknown> | undefined) ?? {}))
        refs.push({ name, where: `${transformation.id}.${key}` });
    }
  }
  const overrides = (panel.fieldConfig as { overrides?: FieldOverride[] } | undefined)?.overrides ?? [];
  for (const o of overrides) if (o.matcher.id === 'byName') refs.push({ name: String(o.matcher.options), where: 'override byName' });
  const xField = (panel.options as { xField?: unknown } | undefined)?.xField;
  if (typeof xField === 'string') refs.push({ name: xField, where: 'options.xField' });
  return refs;
}

/** Problems with a panel's column names; empty when every name it refers to is one its queries produce. */
export function columnNameProblems(panel: PanelJson): string[] {
  const produced = resultNames(panel);
  const refIds = new Set((panel.targets ?? []).map((t) => String(t.refId)));
  const problems = referencedNames(panel)
    .filter((r) => !produced.has(r.name))
    .map((r) => `${r.where} "${r.name}" is not a name the queries produce (${[...produced].join(', ')})`);
  const overrides = (panel.fieldConfig as { overrides?: FieldOverride[] } | undefined)?.overrides ?? [];
  for (const o of overrides)
    if (o.matcher.id === 'byFrameRefID' && !refIds.has(String(o.matcher.options)))
      problems.push(`override byFrameRefID "${String(o.matcher.options)}" is no query of the panel`);
  return problems;
}

// --- days are local days ---

const DAY_MS = 86_400_000;
const DURATION_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };
const durationMs = (text: string): number | undefined => {
  const m = /^(-?\d+)([smhdw])$/.exec(text.trim());
  return m ? Number(m[1]) * DURATION_MS[m[2]!]! : undefined;
};

/**
 * GROUP BY time buckets of whole days that do not start at local midnight (UTC+8): time(1d)
 * starts Beijing days at 08:00. Run on a query with Grafana's macros expanded.
 */
export function utcDayProblems(influxql: string): string[] {
  const problems: string[] = [];
  for (const m of influxql.matchAll(/\btime\(([^,)]+)(?:,([^)]*))?\)/gi)) {
    const size = durationMs(m[1]!);
    if (size === undefined || size % DAY_MS !== 0) continue;
    const offset = m[2] === undefined ? 0 : durationMs(m[2]);
    if (offset === undefined || (((offset + TZ_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS !== 0) {
      problems.push(`${m[0]} does not start days at local midnight (offset -${TZ_OFFSET_MS / 3_600_000}h)`);
    }
  }
  return problems;
}
