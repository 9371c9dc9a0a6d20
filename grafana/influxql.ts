import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { ALERTING_SERIES, SERIES, type TAGS } from '../domain/series.js';
import { quoteIdent } from '../lib/influx/query.js';
import { INFLUX_DATASOURCE } from './datasource.js';

// InfluxQL building blocks for the boards. Every measurement, field and tag name comes from
// domain/series.ts, so a renamed field breaks the build (or the contract test), not a chart.
// Queries are raw InfluxQL: the same text runs on InfluxDB 1.x and on 2.x through its v1 query API.

/** Telemetry (what the ingest writes) and alerting records (what the alerting service writes). */
const ALL_SERIES = { ...SERIES, ...ALERTING_SERIES } as const;
export type AnySeriesKey = keyof typeof ALL_SERIES;
export type AnyField<K extends AnySeriesKey> = keyof (typeof ALL_SERIES)[K]['fields'] & string;
export type AnyTag<K extends AnySeriesKey> = (typeof ALL_SERIES)[K]['tags'][number];

/** `"station_status"` for a series key. */
export const from = (key: AnySeriesKey): string => quoteIdent(ALL_SERIES[key].measurement);

/**
 * A column of a query's result. In InfluxQL `${column}` is its quoted identifier; `name` is how
 * the result names it, for transformations and overrides, so neither spells it again.
 */
export class Column {
  constructor(readonly name: string) {}
  toString(): string {
    return quoteIdent(this.name);
  }
}

/** A field of a series: `${field('status', 'online')}` is `"online"`. */
export const field = <K extends AnySeriesKey>(_key: K, name: AnyField<K>): Column => new Column(name);

/** A column the query computes and names itself (`… AS "compliance"`). */
export const column = (name: string): Column => new Column(name);

export type TagName = (typeof TAGS)[keyof typeof TAGS];

export const tag = (name: TagName): string => quoteIdent(name);

/** A tag only some series carry (an alert's rule or severity, an attested item). */
export const seriesTag = <K extends AnySeriesKey>(_key: K, name: AnyTag<K>): string => quoteIdent(name);

/** `"district" =~ /^$district$/`: Grafana expands a multi-value or All variable to `(a|b)`. */
export const tagMatches = (name: TagName, variable: string): string => `${tag(name)} =~ /^$${variable}$/`;

/** `"station" = '$station'` for a single-value variable. */
export const tagIs = (name: TagName, variable: string): string => `${tag(name)} = '$${variable}'`;

/** A literal tag value from the domain (an appliance id, a district code), quoted for InfluxQL. */
export const tagEquals = (name: TagName, value: string): string => `${tag(name)} = '${value.replace(/'/g, "\\'")}'`;

export type ResultFormat = 'time_series' | 'table';

/** The InfluxDB data source's query model, in raw-query mode. */
export interface InfluxQLQuery extends cog.Dataquery {
  refId: string;
  datasource: { type: string; uid: string };
  query: string;
  rawQuery: true;
  resultFormat: ResultFormat;
  alias?: string;
  hide?: boolean;
}

/**
 * The foundation SDK ships no InfluxDB query builder, so this is one in the SDK's style:
 * a `cog.Builder` that panels accept in `withTarget`.
 */
export class InfluxQLQueryBuilder implements cog.Builder<InfluxQLQuery> {
  private readonly internal: InfluxQLQuery;

  constructor(refId: string, query: string) {
    this.internal = {
      refId,
      datasource: { ...INFLUX_DATASOURCE },
      query,
      rawQuery: true,
      resultFormat: 'time_series',
      _implementsDataqueryVariant: () => {},
    };
  }

  /** Series names: `$tag_station`, `$col`, or a fixed label. */
  alias(alias: string): this {
    this.internal.alias = alias;
    return this;
  }

  table(): this {
    this.internal.resultFormat = 'table';
    return this;
  }

  build(): InfluxQLQuery {
    return this.internal;
  }
}

export const influxql = (refId: string, query: string): InfluxQLQueryBuilder => new InfluxQLQueryBuilder(refId, query);
