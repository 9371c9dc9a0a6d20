// Expands a panel's raw InfluxQL the way Grafana does before it reaches InfluxDB, so the board tests
// run exactly the text Grafana would send:
//  1. the frontend's template service replaces variables ($var, ${var}, [[var]]) and the built-ins
//     $__interval / $__interval_ms / $__from / $__to, formatting multi-value and All selections for
//     InfluxQL regexes as (a|b) with regex metacharacters escaped (the InfluxDB data source's
//     interpolateQueryExpr);
//  2. the InfluxDB backend (pkg/tsdb/influxdb/influxql) replaces $timeFilter with
//     `time >= <from>ms and time <= <to>ms` and $interval with the same interval text.
// Unknown names are left as they are, as Grafana leaves them (and InfluxDB then rejects the query).

export interface VariableSetting {
  /** Selected value(s); '$__all' selects every option. */
  value: string | string[];
  options: string[];
  multi: boolean;
  includeAll: boolean;
}

export interface QueryContext {
  from: number;
  to: number;
  variables: Record<string, VariableSetting>;
  /**
   * The database's clock: when set, InfluxQL's now() is pinned to it (as `<ms>ms`). Grafana sends now()
   * as it is and InfluxDB reads its own clock; a test pins it to its fixture's clock, because a faked
   * test clock (faketime) does not reach influxd (Go reads the time without libc).
   */
  now?: number;
}

/** Grafana's rangeutil.roundInterval: snaps a raw interval (ms) to a readable step. */
export function roundInterval(ms: number): number {
  const steps: Array<[below: number, step: number]> = [
    [15, 10],
    [35, 20],
    [75, 50],
    [150, 100],
    [350, 200],
    [750, 500],
    [1500, 1000],
    [3500, 2000],
    [7500, 5000],
    [12_500, 10_000],
    [17_500, 15_000],
    [25_000, 20_000],
    [45_000, 30_000],
    [90_000, 60_000],
    [210_000, 120_000],
    [450_000, 300_000],
    [750_000, 600_000],
    [1_050_000, 900_000],
    [1_500_000, 1_200_000],
    [2_700_000, 1_800_000],
    [5_400_000, 3_600_000],
    [9_000_000, 7_200_000],
    [16_200_000, 10_800_000],
    [32_400_000, 21_600_000],
    [86_400_000, 43_200_000],
    [604_800_000, 86_400_000],
    [1_814_400_000, 604_800_000],
    [3_628_800_000, 2_592_000_000],
  ];
  for (const [below, step] of steps) if (ms < below) return step;
  return 31_536_000_000;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** Parses a Grafana interval like "1m", ">30s" or "1d" to milliseconds. */
export function parseInterval(text: string): number {
  const m = /^>?(\d+)(ms|s|m|h|d|w|y)$/.exec(text.trim());
  if (!m) throw new Error(`not a Grafana interval: ${text}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** gtime.FormatInterval: the largest whole unit, as the backend writes it into the query. */
export function formatInterval(ms: number): string {
  for (const unit of ['y', 'd', 'h', 'm', 's', 'ms'] as const) {
    if (ms >= UNIT_MS[unit]!) return `${Math.floor(ms / UNIT_MS[unit]!)}${unit}`;
  }
  return '1ms';
}

/**
 * rangeutil.calculateInterval: range ÷ max data points (a panel's pixel width unless it sets
 * maxDataPoints), rounded, and never below the panel's minimum interval.
 */
export function panelIntervalMs(from: number, to: number, panel: { interval?: string; maxDataPoints?: number }, widthPx = 1000): number {
  const raw = roundInterval((to - from) / (panel.maxDataPoints ?? widthPx));
  const min = panel.interval ? parseInterval(panel.interval) : 0;
  return Math.max(raw, min);
}

const escapeRegex = (s: string): string => s.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

function formatVariable(setting: VariableSetting): string {
  const selected = setting.value === '$__all' || (Array.isArray(setting.value) && setting.value.includes('$__all')) ? setting.options : setting.value;
  if (!setting.multi && !setting.includeAll) return Array.isArray(selected) ? selected.join(',') : selected;
  if (typeof selected === 'string') return escapeRegex(selected);
  const escaped = selected.map(escapeRegex);
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
}

// templateSrv's variable pattern: $name, [[name]] or [[name:format]], ${name} or ${name:format}.
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

export function expandQuery(query: string, panel: { interval?: string; maxDataPoints?: number }, ctx: QueryContext): string {
  const intervalMs = panelIntervalMs(ctx.from, ctx.to, panel);
  const intervalText = formatInterval(intervalMs);
  const builtins: Record<string, string> = {
    __interval: intervalText,
    __interval_ms: String(intervalMs),
    __from: String(ctx.from),
    __to: String(ctx.to),
  };
  const frontend = query.replace(VARIABLE, (whole, a?: string, b?: string, _f1?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    if (name in builtins) return builtins[name]!;
    const setting = ctx.variables[name];
    return setting ? formatVariable(setting) : whole;
  });
  const pinned = ctx.now === undefined ? frontend : frontend.replaceAll('now()', `${ctx.now}ms`);
  return pinned
    .replaceAll('$timeFilter', `time >= ${ctx.from}ms and time <= ${ctx.to}ms`)
    .replaceAll('$interval', intervalText)
    .replaceAll('$__interval_ms', String(intervalMs))
    .replaceAll('$__interval', intervalText);
}
