import type { AlertState } from '../domain/alerts.js';
import { TZ_OFFSET_MS } from '../domain/schedule.js';
import { TAGS } from '../domain/series.js';
import { SPEAKER_CATEGORIES } from '../domain/telemetry.js';
import { column, field, from, seriesTag, tag, type AnyField, type AnySeriesKey } from './influxql.js';

// Query shapes the boards share. States (online, open) are sampled when they change and again
// periodically (status every 30 s, service every 5 min: docs/telemetry.md), so "now" is each
// station's last value, and a state over time is each station's last value per interval, summed
// or averaged across stations. Panels using that set STATE_INTERVAL as their minimum interval so
// every interval holds a sample of every reporting station. (Carrying values forward with
// fill(previous) inside a subquery would be simpler, but InfluxDB 1.6 then repeats the outer rows
// once per inner series.)

export const TIME_FILTER = '$timeFilter';
const INTERVAL = '$__interval';

/** What Grafana's InfluxDB data source names the time column of a table result. */
export const TIME_COLUMN = 'Time';

export const where = (...conditions: string[]): string => `WHERE ${[TIME_FILTER, ...conditions].join(' AND ')}`;

const byStation = `${tag(TAGS.station)}, ${tag(TAGS.district)}`;

/** The station fields the boards show, each a result column named as domain/series.ts names it. */
export const STATION_FIELDS = {
  online: field('status', 'online'),
  rssi: field('status', 'wifi_rssi_dbm'),
  open: field('service', 'open'),
  door: field('service', 'door_open'),
  people: field('occupancy', 'people'),
  entries: field('occupancy', 'entries'),
} as const;

/** Each station's last value of a field in the time range, tagged by station and district. */
export function latestPerStation<K extends AnySeriesKey>(key: K, name: AnyField<K>, ...conditions: string[]): string {
  const f = field(key, name);
  return `SELECT last(${f}) AS ${f} FROM ${from(key)} ${where(...conditions)} GROUP BY ${byStation}`;
}

/** The periodic resend of the slowest state channel (service): the shortest interval states are summed over. */
export const STATE_INTERVAL = '5m';

/** Buckets of Grafana's interval for the panel. */
export const PER_INTERVAL = `time(${INTERVAL})`;

/** Each station's last value of a state field per bucket (PER_INTERVAL, LOCAL_DAY). */
export function statePer<K extends AnySeriesKey>(bucket: string, key: K, name: AnyField<K>, ...conditions: string[]): string {
  const f = field(key, name);
  return `SELECT last(${f}) AS ${f} FROM ${from(key)} ${where(...conditions)} GROUP BY ${bucket}, ${byStation}`;
}

/** `sum("q_news_policy") AS "news_policy", …`: one column per speaker category, named by category. */
export const speakerQuerySums = (): string => SPEAKER_CATEGORIES.map((c) => `sum(${field('speaker', `q_${c}`)}) AS ${column(c)}`).join(', ');

/**
 * Days as the stations live them: buckets from local midnight (UTC+8), like the compliance rollups.
 * Every daily panel uses it; time(1d) would split days at 08:00 Beijing time.
 */
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

/** The count of active alerts, the column activeAlerts() produces. */
export const ACTIVE = column('active');

/** Alerts whose latest state is firing or acknowledged, optionally grouped (`GROUP BY "district"`). */
export const activeAlerts = (inner: string, groupBy = ''): string => {
  const state = field('alertTransition', 'state');
  return `SELECT count(${state}) AS ${ACTIVE} FROM (${inner}) WHERE ${state} != '${RESOLVED}'${groupBy ? ` ${groupBy}` : ''}`;
};

/** Compliance in percent, the column the compliance queries produce. */
export const COMPLIANCE = column('compliance');

/** 常年正常开放 from the daily rollups: Σopen ÷ Σscheduled in percent, as rules/compliance.ts weighs days. */
const complianceSelect = (whereClause: string): string =>
  `SELECT sum(${field('complianceDaily', 'open_ms')}) / sum(${field('complianceDaily', 'scheduled_ms')}) * 100 AS ${COMPLIANCE} FROM ${from('complianceDaily')} ${whereClause}`;

/** Compliance per local day within the time range, optionally also per tag. */
export const dailyCompliance = (condition: string, ...groupBy: string[]): string =>
  `${complianceSelect(where(condition))} GROUP BY ${[LOCAL_DAY, ...groupBy].join(', ')}`;

/** Monitoring coverage in percent, the column dailyCoverage produces. */
export const COVERAGE = column('coverage');

/** Share of the scheduled time the platform was watching (compliance is judged over that part), per local day. */
export const dailyCoverage = (condition: string): string => {
  const watched = `sum(${field('complianceDaily', 'scheduled_ms')})`;
  return `SELECT ${watched} / (${watched} + sum(${field('complianceDaily', 'uncovered_ms')})) * 100 AS ${COVERAGE} FROM ${from('complianceDaily')} ${where(condition)} GROUP BY ${LOCAL_DAY}`;
};

/** Compliance over the rolling 30 days the fleet and district boards judge by (ComplianceSnapshot.last30Days), whatever the range. */
export const compliance30d = (condition: string): string => complianceSelect(`WHERE time > now() - 30d AND ${condition}`);
