import { z } from 'zod';
import { SEVERITIES, type Severity } from '../domain/alerts.js';
import { DISTRICT_CODES } from '../domain/districts.js';
import { StationIdSchema, type Station } from '../domain/station.js';
import { RULES, type RuleSpec } from './catalog.js';

// config/rules.json: rules as data. Every rule's defaults come from the catalogue; the file
// changes them globally, per district or per station (station beats district beats global).

const durationS = z
  .number()
  .int()
  .min(0)
  .max(30 * 86_400);

const RuleSettingsSchema = z.strictObject({
  enabled: z.boolean().optional(),
  severity: z.enum(SEVERITIES).optional(),
  forS: durationS.optional().describe('Minimum time the condition must hold before firing'),
  keepFiringS: durationS.optional().describe('Minimum time the condition must stay clear before resolving'),
  params: z.record(z.string(), z.unknown()).optional(),
});
type RuleSettings = z.infer<typeof RuleSettingsSchema>;

const ruleId = z.enum(RULES.map((r) => r.id) as [string, ...string[]]);

export const RulesConfigSchema = z.strictObject({
  version: z.literal(1),
  evaluationIntervalS: z.number().int().min(1).max(300).default(5).describe('Timer-driven evaluation period'),
  escalateAfterS: durationS.default(1800).describe('A firing alert nobody acknowledged this long is escalated to city staff'),
  groupWaitS: z.number().int().min(0).max(600).default(10).describe('Transitions of one district gathered this long into one message'),
  resolvedRetentionDays: z.number().int().min(1).max(366).default(7).describe('Resolved alerts kept listable this long'),
  liveWindowS: z
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(300)
    .describe(
      'Telemetry stamped more than this before the service clock is history (a backfill, a queue replayed after a restart): it counts for compliance but the alert rules do not judge it',
    ),
  compliance: z
    .strictObject({
      threshold: z.number().min(0).max(1).default(0.95).describe('Rolling open compliance below this fails 常年正常开放'),
      windowDays: z.number().int().min(1).max(366).default(30),
      minDays: z.number().int().min(1).max(366).default(7).describe('Complete days with a schedule needed before a station can be judged failing'),
      onlineAfterS: z
        .number()
        .int()
        .min(1)
        .max(86_400)
        .default(90)
        .describe(
          "A station counts as online for compliance until this long after its newest status heartbeat (about 1.5 of its heartbeat intervals), or until a Last Will or shutdown; compliance's own setting, independent of the station_offline rule and its overrides",
        ),
    })
    .prefault({}),
  facility: z
    .strictObject({
      attestationMaxAgeDays: z.number().int().min(1).max(730).default(90).describe('An inspection older than this no longer attests a manual item'),
      telemetryStaleS: durationS.default(900).describe('A telemetry item silent this long is not reporting'),
    })
    .prefault({}),
  rules: z.partialRecord(ruleId, RuleSettingsSchema).default({}),
  overrides: z
    .array(
      z
        .strictObject({
          district: z.enum(DISTRICT_CODES).optional(),
          station: StationIdSchema.optional(),
          rule: ruleId,
          set: RuleSettingsSchema,
        })
        .refine((o) => (o.district === undefined) !== (o.station === undefined), 'give exactly one of "district" or "station"'),
    )
    .default([]),
});
export type RulesConfig = z.infer<typeof RulesConfigSchema>;

/** One rule's effective settings for one station. */
export interface ResolvedRule {
  spec: RuleSpec;
  enabled: boolean;
  severity: Severity;
  forMs: number;
  keepFiringMs: number;
  params: unknown;
}

export class RulesConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid rules configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
    this.name = 'RulesConfigError';
  }
}

const where = (path: readonly PropertyKey[]): string => path.map(String).join('.') || '(file)';

function merge(spec: RuleSpec, layers: RuleSettings[]): Omit<ResolvedRule, 'params'> & { params: Record<string, unknown> } {
  const out = {
    spec,
    enabled: true,
    severity: spec.severity,
    forMs: spec.forS * 1000,
    keepFiringMs: spec.keepFiringS * 1000,
    params: {} as Record<string, unknown>,
  };
  for (const l of layers) {
    if (l.enabled !== undefined) out.enabled = l.enabled;
    if (l.severity !== undefined) out.severity = l.severity;
    if (l.forS !== undefined) out.forMs = l.forS * 1000;
    if (l.keepFiringS !== undefined) out.keepFiringMs = l.keepFiringS * 1000;
    if (l.params) out.params = { ...out.params, ...l.params };
  }
  return out;
}

/** Validates the file, including every rule's params at every level, naming each bad field. */
export function parseRulesConfig(data: unknown): RulesConfig {
  const parsed = RulesConfigSchema.safeParse(data);
  if (!parsed.success) throw new RulesConfigError(parsed.error.issues.map((i) => `${where(i.path)}: ${i.message}`));
  const config = parsed.data;
  const problems: string[] = [];
  const checkParams = (spec: RuleSpec, params: Record<string, unknown>, path: string): void => {
    const r = spec.params.safeParse(params);
    if (!r.success) for (const i of r.error.issues) problems.push(`${path}.params${i.path.length ? '.' + where(i.path) : ''}: ${i.message}`);
  };
  for (const spec of RULES) {
    const global = config.rules[spec.id];
    checkParams(spec, global?.params ?? {}, `rules.${spec.id}`);
  }
  config.overrides.forEach((o, i) => {
    const spec = RULES.find((r) => r.id === o.rule)!;
    checkParams(spec, { ...(config.rules[o.rule]?.params ?? {}), ...(o.set.params ?? {}) }, `overrides.${i}.set`);
  });
  if (problems.length > 0) throw new RulesConfigError(problems);
  return config;
}

/** Effective settings of every rule for one station. */
export function resolveRules(config: RulesConfig, station: Pick<Station, 'id' | 'district'>): ResolvedRule[] {
  return RULES.map((spec) => {
    const layers = [
      config.rules[spec.id] ?? {},
      ...config.overrides.filter((o) => o.rule === spec.id && o.district === station.district).map((o) => o.set),
      ...config.overrides.filter((o) => o.rule === spec.id && o.station === station.id).map((o) => o.set),
    ];
    const merged = merge(spec, layers);
    return { ...merged, params: spec.params.parse(merged.params) };
  });
}
