import { z } from 'zod';
import type { Alert } from '../domain/alerts.js';
import { DISTRICT_CODES } from '../domain/districts.js';
import { ALERTING_SERIES, SERIES, TAGS, type FieldType, type PointData } from '../domain/series.js';
import { localDateOf, midnightOfDate } from '../domain/schedule.js';
import type { Influx, PointWriter, Row } from '../lib/influx/client.js';
import { readCoveragePoints } from '../lib/influx/coverage-points.js';
import { quoteIdent } from '../lib/influx/query.js';
import type { Logger } from '../lib/logger.js';
import type { DailyRollup } from '../rules/compliance.js';
import { MAX_HELD_MS, type Sample } from '../rules/serving.js';
import type { AlertStore, LoadedAlerts, StoredTransition, StoreRecord } from './store.js';

// The alerting store on InfluxDB: every record is a point (names from ALERTING_SERIES) whose
// `record_json` field carries the full record, so the current alerts are rebuilt exactly.

type SeriesDef = { measurement: string; fields: Record<string, FieldType> };

function point(def: SeriesDef, tags: Record<string, string>, time: number, values: Record<string, string | number | undefined>): PointData {
  const fields: PointData['fields'] = {};
  for (const [name, value] of Object.entries(values)) if (value !== undefined) fields[name] = { type: def.fields[name]!, value };
  return { measurement: def.measurement, tags, fields, time };
}

const T = ALERTING_SERIES;

export function recordToPoint(record: StoreRecord): PointData {
  switch (record.kind) {
    case 'transition': {
      const { transition: t, comment } = record.stored;
      const a = t.alert;
      return point(T.alertTransition, { [TAGS.station]: a.stationId, [TAGS.district]: a.district, rule: a.ruleId, severity: a.severity }, t.at, {
        state: t.to,
        from_state: t.from ?? '',
        by: t.by ?? '',
        comment: comment ?? a.ackComment ?? '',
        escalated: t.escalated ? 1 : 0,
        record_json: JSON.stringify(record.stored),
      });
    }
    case 'snapshot': {
      const a = record.alert;
      const stored: StoredTransition = { transition: { alert: a, from: a.state, to: a.state, at: record.at }, firedAt: record.firedAt };
      return point(T.alertSnapshot, { [TAGS.station]: a.stationId, [TAGS.district]: a.district, rule: a.ruleId }, record.at, {
        state: a.state,
        record_json: JSON.stringify(stored),
      });
    }
    case 'attestation': {
      const a = record.attestation;
      return point(T.attestation, { [TAGS.station]: a.stationId, [TAGS.district]: record.district, item: a.item }, a.at, {
        present: a.present ? 1 : 0,
        working: a.working ? 1 : 0,
        by: a.by,
        note: a.note ?? '',
        record_json: JSON.stringify(a),
      });
    }
    case 'rollup': {
      const r = record.rollup;
      return point(T.complianceDaily, { [TAGS.station]: r.stationId, [TAGS.district]: r.district }, midnightOfDate(r.date), {
        date: r.date,
        scheduled_ms: r.scheduledMs,
        open_ms: r.openMs,
        closed_ms: r.closedMs,
        offline_ms: r.offlineMs,
        uncovered_ms: r.uncoveredMs,
        declared_closed_ms: r.declaredClosedMs,
        ratio: r.scheduledMs > 0 ? r.openMs / r.scheduledMs : undefined,
      });
    }
  }
}

// Stored JSON is re-validated on load: a hand-edited or truncated row is skipped and logged, not trusted.
const AlertShape = z.looseObject({
  key: z.string(),
  ruleId: z.string(),
  stationId: z.string(),
  district: z.enum(DISTRICT_CODES),
  state: z.enum(['firing', 'acknowledged', 'resolved']),
  firstSeen: z.number(),
  lastSeen: z.number(),
});
const StoredTransitionShape = z.looseObject({
  transition: z.looseObject({ alert: AlertShape, to: z.enum(['firing', 'acknowledged', 'resolved']), at: z.number() }),
  firedAt: z.number().nullable(),
});

const iso = (ms: number): string => new Date(ms).toISOString();

export interface InfluxStoreOptions {
  influx: Influx;
  logger: Logger;
  /** Spool of the alerting writer (kept apart from the ingest's). */
  spoolDir: string;
}

export function createInfluxStore({ influx, logger, spoolDir }: InfluxStoreOptions): AlertStore {
  const writer: PointWriter = influx.writer({ spoolDir, flushMs: 1000, batchSize: 500 });

  function parseRows<S extends z.ZodType>(rows: Row[], shape: S, what: string): Array<z.infer<S>> {
    const out: Array<z.infer<S>> = [];
    for (const row of rows) {
      try {
        const parsed = shape.safeParse(JSON.parse(String(row.record_json)));
        if (parsed.success) out.push(parsed.data);
        else logger.error({ what, time: row.time, err: parsed.error.message }, 'stored alerting record has the wrong shape; skipped');
      } catch (err) {
        logger.error({ what, time: row.time, err }, 'stored alerting record is not JSON; skipped');
      }
    }
    return out;
  }

  /** Reads back the point just written: confirmation that it is stored, not merely sent. */
  async function confirm(p: PointData): Promise<void> {
    const where = Object.keys(p.tags).map((k) => `${quoteIdent(k)} = $tag_${k}`);
    const params: Record<string, string> = Object.fromEntries(Object.entries(p.tags).map(([k, v]) => [`tag_${k}`, v]));
    const field = Object.keys(p.fields)[0]!;
    const rows = await influx.query(`SELECT ${quoteIdent(field)} FROM ${quoteIdent(p.measurement)} WHERE time = $time AND ${where.join(' AND ')}`, {
      ...params,
      time: iso(p.time),
    });
    if (rows.length === 0) throw new Error(`${p.measurement} point at ${iso(p.time)} not found after writing it`);
  }

  const samples = (rows: Row[], field: string): Sample[] =>
    rows
      .filter((r) => typeof r[field] === 'number')
      .map((r) => ({ t: Number(r.time), on: (r[field] as number) > 0, ...(typeof r.held_ms === 'number' ? { heldMs: r.held_ms } : {}) }));
  /** Status rows read from far enough back for a held heartbeat; those over before `from − staleMs` do not count. */
  const onlineSamples = (rows: Row[], from: number, staleMs: number): Sample[] =>
    samples(rows, 'online').filter((s) => s.t + (s.heldMs ?? 0) >= from - staleMs);

  return {
    append(record) {
      writer.write(recordToPoint(record));
    },
    async save(record) {
      const p = recordToPoint(record);
      writer.write(p);
      await writer.flush();
      await confirm(p);
    },
    async loadAlerts(resolvedSince): Promise<LoadedAlerts> {
      const m = T.alertTransition.measurement;
      const lastOf = async (measurement: string) =>
        parseRows(
          await influx.query(`SELECT last("record_json") AS "record_json" FROM ${quoteIdent(measurement)} GROUP BY ${quoteIdent(TAGS.station)}, "rule"`),
          StoredTransitionShape,
          measurement,
        ) as unknown as StoredTransition[];
      const newest = new Map<string, StoredTransition>();
      // Transitions first, then checkpoints: a checkpoint wins unless a transition came after it.
      for (const s of [...(await lastOf(m)), ...(await lastOf(T.alertSnapshot.measurement))]) {
        const prev = newest.get(s.transition.alert.key);
        if (!prev || s.transition.at >= prev.transition.at) newest.set(s.transition.alert.key, s);
      }
      const latest = [...newest.values()];
      const history = parseRows(
        await influx.query(`SELECT "record_json" FROM ${quoteIdent(m)} WHERE time >= $since AND "state" = $resolved`, {
          since: iso(resolvedSince),
          resolved: 'resolved',
        }),
        StoredTransitionShape,
        m,
      ) as unknown as StoredTransition[];
      return { latest, resolved: history.map((s) => s.transition.alert as Alert) };
    },
    async loadRollups(sinceDate) {
      const m = T.complianceDaily.measurement;
      const rows = await influx.query(
        `SELECT "date", "scheduled_ms", "open_ms", "closed_ms", "offline_ms", "uncovered_ms", "declared_closed_ms" FROM ${quoteIdent(m)} WHERE time >= $since GROUP BY ${quoteIdent(TAGS.station)}, ${quoteIdent(TAGS.district)}`,
        { since: iso(midnightOfDate(sinceDate)) },
      );
      // Rows from before the split lack the new fields: their not-open time cannot be told apart.
      const ms = (v: unknown): number => (typeof v === 'number' ? v : 0);
      return rows.map((r) => ({
        stationId: String(r[TAGS.station]),
        district: r[TAGS.district] as DailyRollup['district'],
        date: typeof r.date === 'string' ? r.date : localDateOf(Number(r.time)),
        scheduledMs: Number(r.scheduled_ms),
        openMs: Number(r.open_ms),
        closedMs: ms(r.closed_ms),
        offlineMs: ms(r.offline_ms),
        uncoveredMs: ms(r.uncovered_ms),
        declaredClosedMs: ms(r.declared_closed_ms),
      }));
    },
    async loadServingSamples(stationId, from, to, staleMs) {
      const svc = SERIES.service.measurement;
      const st = SERIES.status.measurement;
      const params = { station: stationId, from: iso(from), to: iso(to) };
      const [before, open, online] = await Promise.all([
        influx.query(`SELECT last("open") AS "open" FROM ${quoteIdent(svc)} WHERE ${quoteIdent(TAGS.station)} = $station AND time < $from`, params),
        influx.query(`SELECT "open" FROM ${quoteIdent(svc)} WHERE ${quoteIdent(TAGS.station)} = $station AND time >= $from AND time < $to`, params),
        influx.query(`SELECT "online", "held_ms" FROM ${quoteIdent(st)} WHERE ${quoteIdent(TAGS.station)} = $station AND time >= $staleFrom AND time < $to`, {
          ...params,
          staleFrom: iso(from - staleMs - MAX_HELD_MS),
        }),
      ]);
      return { open: samples([...before, ...open], 'open'), online: onlineSamples(online, from, staleMs) };
    },
    async loadDistrictServingSamples(district, from, to, staleMs) {
      const svc = SERIES.service.measurement;
      const st = SERIES.status.measurement;
      const params = { district, from: iso(from), to: iso(to) };
      const by = `GROUP BY ${quoteIdent(TAGS.station)}`;
      const [before, open, online] = await Promise.all([
        influx.query(`SELECT last("open") AS "open" FROM ${quoteIdent(svc)} WHERE ${quoteIdent(TAGS.district)} = $district AND time < $from ${by}`, params),
        influx.query(`SELECT "open" FROM ${quoteIdent(svc)} WHERE ${quoteIdent(TAGS.district)} = $district AND time >= $from AND time < $to ${by}`, params),
        influx.query(
          `SELECT "online", "held_ms" FROM ${quoteIdent(st)} WHERE ${quoteIdent(TAGS.district)} = $district AND time >= $staleFrom AND time < $to ${by}`,
          {
            ...params,
            staleFrom: iso(from - staleMs - MAX_HELD_MS),
          },
        ),
      ]);
      const out = new Map<string, { open: Row[]; online: Row[] }>();
      const slot = (r: Row) => {
        const id = String(r[TAGS.station]);
        const e = out.get(id) ?? { open: [], online: [] };
        out.set(id, e);
        return e;
      };
      for (const r of [...before, ...open]) slot(r).open.push(r);
      for (const r of online) slot(r).online.push(r);
      return new Map([...out].map(([id, e]) => [id, { open: samples(e.open, 'open'), online: onlineSamples(e.online, from, staleMs) }]));
    },
    loadCoverage: (from, to) => readCoveragePoints(influx, from, to),
    flush: () => writer.flush(),
    close: () => writer.close(),
  };
}
