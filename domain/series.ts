import type { Station } from './station.js';
import { SPEAKER_CATEGORIES, type Telemetry } from './telemetry.js';

// InfluxDB measurement, tag and field names, defined once: the ingest writes with them,
// the rules, the API and the Grafana boards query with them. Booleans are stored as 0/1
// integers so that mean() over time gives the share of time a state held.

export type FieldType = 'int' | 'float' | 'string';

export const TAGS = { station: 'station', district: 'district', appliance: 'appliance' } as const;

export const SERIES = {
  status: {
    measurement: 'station_status',
    tags: [TAGS.station, TAGS.district],
    /** held_ms: written by the history fill only, see heldStatusPoint. */
    fields: { online: 'int', uptime_s: 'int', wifi_rssi_dbm: 'int', held_ms: 'int' },
  },
  service: {
    measurement: 'station_service',
    tags: [TAGS.station, TAGS.district],
    fields: { open: 'int', door_open: 'int' },
  },
  occupancy: {
    measurement: 'station_occupancy',
    tags: [TAGS.station, TAGS.district],
    fields: { people: 'int', entries: 'int' },
  },
  appliance: {
    measurement: 'appliance',
    tags: [TAGS.station, TAGS.district, TAGS.appliance],
    fields: { on: 'int', power_w: 'float', fault: 'int', fault_code: 'string', temp_c: 'float', heating: 'int', energy_wh: 'float', open_doors: 'int' },
  },
  speaker: {
    measurement: 'speaker',
    tags: [TAGS.station, TAGS.district],
    fields: {
      online: 'int',
      wakeups: 'int',
      ...(Object.fromEntries(SPEAKER_CATEGORIES.map((c) => [`q_${c}`, 'int'])) as Record<`q_${(typeof SPEAKER_CATEGORIES)[number]}`, 'int'>),
    },
  },
} as const satisfies Record<Telemetry['channel'], { measurement: string; tags: readonly string[]; fields: Record<string, FieldType> }>;

export type SeriesKey = keyof typeof SERIES;
export type FieldOf<K extends SeriesKey> = keyof (typeof SERIES)[K]['fields'] & string;

/** A point ready for any line-protocol writer; field types come from SERIES. */
export interface PointData {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, { type: FieldType; value: number | string }>;
  /** Epoch milliseconds. */
  time: number;
}

const bit = (b: boolean): number => (b ? 1 : 0);

function point<K extends SeriesKey>(
  key: K,
  tags: Record<string, string>,
  time: number,
  values: Partial<Record<FieldOf<K>, number | string | undefined>>,
): PointData {
  const types = SERIES[key].fields as Record<string, FieldType>;
  const fields: PointData['fields'] = {};
  for (const [name, value] of Object.entries(values) as Array<[string, number | string | undefined]>) {
    if (value !== undefined) fields[name] = { type: types[name]!, value };
  }
  return { measurement: SERIES[key].measurement, tags, fields, time };
}

/**
 * A held heartbeat: the status point of a run of heartbeats whose last came `heldMs` after it
 * (rules/serving.ts heldRuns). Only the history fill writes it (a month of 60 s heartbeats
 * would be millions of points); compliance folds it exactly as the run.
 */
export const heldStatusPoint = (p: PointData, heldMs: number): PointData => ({ ...p, fields: { ...p.fields, held_ms: { type: 'int', value: heldMs } } });

/** Maps a validated message of a registered station to its InfluxDB point. */
export function toPoint(message: Telemetry, station: Station): PointData {
  const tags = { [TAGS.station]: station.id, [TAGS.district]: station.district };
  const t = message.ts;
  switch (message.channel) {
    case 'status': {
      const d = message.data;
      return point('status', tags, t, { online: bit(d.online), uptime_s: d.uptimeS, wifi_rssi_dbm: d.wifiRssiDbm });
    }
    case 'service':
      return point('service', tags, t, { open: bit(message.data.open), door_open: bit(message.data.door === 'open') });
    case 'occupancy':
      return point('occupancy', tags, t, { people: message.data.people, entries: message.data.entries });
    case 'appliance': {
      const d = message.data;
      return point('appliance', { ...tags, [TAGS.appliance]: d.appliance }, t, {
        on: bit(d.on),
        power_w: d.powerW,
        fault: bit(d.faultCode !== null),
        fault_code: d.faultCode ?? '',
        temp_c: d.tempC,
        heating: d.heating === undefined ? undefined : bit(d.heating),
        energy_wh: d.energyWh,
        open_doors: d.openDoors,
      });
    }
    case 'speaker': {
      const d = message.data;
      const queries = Object.fromEntries(SPEAKER_CATEGORIES.map((c) => [`q_${c}`, d.queries[c]]));
      return point('speaker', tags, t, { online: bit(d.online), wakeups: d.wakeups, ...queries });
    }
  }
}

/**
 * What the alerting service stores (its durable state, and what Grafana charts): one point per
 * alert transition, inspection attestation (a copy: the record is in the relational database) and
 * daily compliance rollup; silences of older versions. `record_json`
 * holds the full record so state is rebuilt exactly; the other fields are for querying.
 */
export const ALERTING_SERIES = {
  alertTransition: {
    measurement: 'alert_transition',
    tags: [TAGS.station, TAGS.district, 'rule', 'severity'],
    /** state: firing | acknowledged | resolved; escalated: 1 on the transition that escalated to city staff. */
    fields: { state: 'string', from_state: 'string', by: 'string', comment: 'string', escalated: 'int', record_json: 'string' },
  },
  /** The latest view of each open alert (last seen, summary), checkpointed so a restart rebuilds it exactly. */
  alertSnapshot: {
    measurement: 'alert_snapshot',
    tags: [TAGS.station, TAGS.district, 'rule'],
    fields: { state: 'string', record_json: 'string' },
  },
  /**
   * Silences of older versions (now in the relational database): read once by alerting/influx-import.ts.
   * Tagged by its id too: two silences of one station from the same instant are two points. Older points lack that tag.
   */
  silence: {
    measurement: 'alert_silence',
    tags: [TAGS.station, 'silence'],
    fields: { id: 'string', rule_ids: 'string', from_ms: 'int', until_ms: 'int', reason: 'string', created_by: 'string', record_json: 'string' },
  },
  attestation: {
    measurement: 'attestation',
    tags: [TAGS.station, TAGS.district, 'item'],
    fields: { present: 'int', working: 'int', by: 'string', note: 'string', record_json: 'string' },
  },
  /**
   * One point per station and local day, at local midnight. scheduled_ms is the scheduled time the
   * platform was watching (the denominator: open + closed + offline); uncovered_ms the scheduled time
   * it was not; declared_closed_ms what the weekly hours would have scheduled on a declared closure
   * date. ratio = open ÷ scheduled, absent when nothing watched was scheduled. Rows written before
   * the split carry only scheduled_ms and open_ms.
   */
  complianceDaily: {
    measurement: 'compliance_daily',
    tags: [TAGS.station, TAGS.district],
    fields: {
      date: 'string',
      scheduled_ms: 'int',
      open_ms: 'int',
      closed_ms: 'int',
      offline_ms: 'int',
      uncovered_ms: 'int',
      declared_closed_ms: 'int',
      ratio: 'float',
    },
  },
} as const satisfies Record<string, { measurement: string; tags: readonly string[]; fields: Record<string, FieldType> }>;

/**
 * The platform's own monitoring coverage: each point says "the platform was receiving and storing
 * telemetry for the span_ms before this time" (written by the ingest while it is connected to the
 * broker, and by whoever imports a stretch of history). Time no point covers was not watched.
 */
export const PLATFORM_SERIES = {
  coverage: {
    measurement: 'platform_coverage',
    tags: ['source'],
    fields: { span_ms: 'int' },
  },
} as const satisfies Record<string, { measurement: string; tags: readonly string[]; fields: Record<string, FieldType> }>;

/** The longest span one coverage point may claim (a day): a window [from, to) is fully described by the points up to to + this. */
export const MAX_COVERAGE_SPAN_MS = 86_400_000;

/** A coverage point: [end − spanMs, end] was watched by `source` (an ingest client id, or an import). */
export const coveragePoint = (source: string, end: number, spanMs: number): PointData => ({
  measurement: PLATFORM_SERIES.coverage.measurement,
  tags: { source },
  fields: { span_ms: { type: 'int', value: Math.round(spanMs) } },
  time: end,
});
