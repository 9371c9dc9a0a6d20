import type { AlertState } from '../domain/alerts.js';
import { TZ_OFFSET_MS } from '../domain/schedule.js';
import { TAGS } from '../domain/series.js';
import { SPEAKER_CATEGORIES } from '../domain/telemetry.js';
import { field, from, seriesTag, tag, type AnyField, type AnySeriesKey } from './influxql.js';

// Query shapes the boards share. States (online, open) are sampled when they change and again
// periodically (status every 30 s, service every 5 min: docs/telemetry.md), so "now" is each
// station's last value, and a state over time is each station's last value per interval, summed
// or averaged across stations. Panels using that set STATE_INTERVAL as their minimum interval so
// every interval holds a sample of every reporting station. (Carrying values forward with
// fill(previous) inside a subquery would be simpler, but InfluxDB 1.6 then repeats the outer rows
// once per inner series.)

export const TIME_FILTER = '$timeFilter';
export const INTERVAL = '$__interval';

export const where = (...conditions: string[]): string => `WHERE ${[TIME_FILTER, ...conditions].join(' AND ')}`;

const byStation = `${tag(TAGS.station)}, ${tag(TAGS.district)}`;

/** Each station's last value of a field in the time range, tagged by station and district. */
export function latestPerStation<K extends AnySeriesKey>(key: K, name: AnyField<K>, ...conditions: string[]): string {
  const f = field(key, name);
  return `SELECT last(${f}) AS ${f} FROM ${from(key)} ${where(...conditions)} GROUP BY ${byStation}`;
}

/** The periodic resend of the slowest state channel (service): the shortest interval states are summed over. */
export const STATE_INTERVAL = '5m';

/** Each station's last value of a state field per interval. */
export function statePerInterval<K extends AnySeriesKey>(key: K, name: AnyField<K>, ...conditions: string[]): string {
  const f = field(key, name);
  return `SELECT last(${f}) AS ${f} FROM ${from(key)} ${where(...conditions)} GROUP BY time(${INTERVAL}), ${byStation}`;
}

/** `sum("q_news_policy") AS "news_policy", …`: one column per speaker category, named by category. */
export const speakerQuerySums = (): string =>
  SPEAKER_CATEGORIES.map((c) => `sum(${field('speaker', `q_${c}`)}) AS "${c}"`).join(', ');

/** Days as the stations live them: buckets from local midnight (UTC+8), like the compliance rollups. */
export const LOCAL_DAY = `time(1d, -${TZ_OFFSET_MS / 3_600_000}h)`;

const RESOLVED: AlertState = 'resolved';

/**
 * The latest state of every alert (one per station and rule) over all stored history, not the
 * chosen time range: an alert that started firing weeks ago is still active now.
 */
export function latestAlertStates(...conditions: string[]): string {
  const state = field('alertTransition', 'state');
  const filter = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')} ` : '';
  const keys = [tag(TAGS.station), tag(TAGS.district), seriesTag('alertTransition', 'rule'), seriesTag('alertTransition', 'severity')].join(', ');
  return `SELECT last(${state}) AS ${state} FROM ${from('alertTransition')} ${filter}GROUP BY ${keys}`;
}

/** Alerts whose latest state is firing or acknowledged, optionally grouped (`GROUP BY "district"`). */
export const activeAlerts = (inner: string, groupBy = ''): string => {
  const state = field('alertTransition', 'state');
  return `SELECT count(${state}) AS "active" FROM (${inner}) WHERE ${state} != '${RESOLVED}'${groupBy ? ` ${groupBy}` : ''}`;
};

/** 常年正常开放 over a window: Σopen ÷ Σscheduled in percent, as rules/compliance.ts weighs days. */
export const complianceRatio = (): string =>
  `sum(${field('complianceDaily', 'open_ms')}) / sum(${field('complianceDaily', 'scheduled_ms')}) * 100`;

/** The rolling window the fleet and district boards judge compliance over (ComplianceSnapshot.last30Days). */
export const COMPLIANCE_WINDOW = 'time > now() - 30d';
