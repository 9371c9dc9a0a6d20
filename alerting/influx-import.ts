import { z } from 'zod';
import { DISTRICT_CODES } from '../domain/districts.js';
import { EQUIPMENT_ITEMS } from '../domain/equipment.js';
import { ALERTING_SERIES, TAGS } from '../domain/series.js';
import type { Db } from '../lib/db/database.js';
import { importOnce, type ImportCounts } from '../lib/db/import-once.js';
import type { Influx, Row } from '../lib/influx/client.js';
import { quoteIdent } from '../lib/influx/query.js';
import type { Logger } from '../lib/logger.js';
import { manualRecords } from './manual-records.js';

// Older versions kept silences and attestations as InfluxDB points (their full record in
// `record_json`). The first start on a database copies them in, once (the imports ledger); the
// points stay where they are. Silences over by then are left behind: they no longer mute anything.

const SilenceShape = z.object({
  id: z.string(),
  stationId: z.string(),
  ruleIds: z.array(z.string()),
  from: z.number(),
  until: z.number(),
  reason: z.string(),
  createdBy: z.string(),
});
const AttestationShape = z.object({
  stationId: z.string(),
  item: z.enum(EQUIPMENT_ITEMS),
  present: z.boolean(),
  working: z.boolean(),
  by: z.string(),
  at: z.number(),
  note: z.string().optional(),
});
/** The district is a tag of the point, not part of the record. */
const DistrictTag = z.object({ district: z.enum(DISTRICT_CODES) });

function records<S extends z.ZodType>(rows: Row[], shape: S): { ok: Array<{ row: Row; value: z.infer<S> }>; skipped: number } {
  const ok: Array<{ row: Row; value: z.infer<S> }> = [];
  for (const row of rows) {
    let json: unknown = null;
    try {
      json = JSON.parse(String(row.record_json));
    } catch {
      // counted below
    }
    const parsed = shape.safeParse(json);
    if (parsed.success) ok.push({ row, value: parsed.data });
  }
  return { ok, skipped: rows.length - ok.length };
}

export async function importInfluxRecords(
  db: Db,
  influx: Influx,
  logger: Logger,
  now: () => number = Date.now,
): Promise<{ silences: ImportCounts | null; attestations: ImportCounts | null }> {
  const S = ALERTING_SERIES.silence.measurement;
  const A = ALERTING_SERIES.attestation.measurement;
  const origin = (m: string) => `influxdb measurement ${m}`;
  const silences = await importOnce(db, { source: 'influx_silences', origin: origin(S), logger, now }, async (trx) => {
    const { ok, skipped } = records(await influx.query(`SELECT "record_json" FROM ${quoteIdent(S)} WHERE "until_ms" > $at`, { at: now() }), SilenceShape);
    const seen = new Set<string>();
    for (const { value } of ok) if (!seen.has(value.id)) seen.add(value.id), await manualRecords(trx).saveSilence(value);
    return { imported: seen.size, skipped };
  });
  const attestations = await importOnce(db, { source: 'influx_attestations', origin: origin(A), logger, now }, async (trx) => {
    const rows = await influx.query(`SELECT "record_json" FROM ${quoteIdent(A)} GROUP BY ${quoteIdent(TAGS.district)}`);
    const { ok, skipped } = records(rows, AttestationShape);
    let imported = 0;
    for (const { row, value } of ok) {
      const tag = DistrictTag.safeParse(row);
      if (!tag.success) continue;
      await manualRecords(trx).saveAttestation(value, tag.data.district);
      imported++;
    }
    return { imported, skipped: skipped + ok.length - imported };
  });
  return { silences, attestations };
}
