import { TAGS, type FieldOf, type SeriesKey } from '../domain/series.js';
import { SPEAKER_CATEGORIES } from '../domain/telemetry.js';
import { field, from, tag } from './influxql.js';

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
export function latestPerStation<K extends SeriesKey>(key: K, name: FieldOf<K>, ...conditions: string[]): string {
  const f = field(key, name);
  return `SELECT last(${f}) AS ${f} FROM ${from(key)} ${where(...conditions)} GROUP BY ${byStation}`;
}

/** The periodic resend of the slowest state channel (service): the shortest interval states are summed over. */
export const STATE_INTERVAL = '5m';

/** Each station's last value of a state field per interval. */
export function statePerInterval<K extends SeriesKey>(key: K, name: FieldOf<K>, ...conditions: string[]): string {
  const f = field(key, name);
  return `SELECT last(${f}) AS ${f} FROM ${from(key)} ${where(...conditions)} GROUP BY time(${INTERVAL}), ${byStation}`;
}

/** `sum("q_news_policy") AS "news_policy", …`: one column per speaker category, named by category. */
export const speakerQuerySums = (): string =>
  SPEAKER_CATEGORIES.map((c) => `sum(${field('speaker', `q_${c}`)}) AS "${c}"`).join(', ');
