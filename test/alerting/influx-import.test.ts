import test from 'ava';
import type { Attestation, Silence } from '../../domain/alerts.js';
import { ALERTING_SERIES, TAGS, type PointData } from '../../domain/series.js';
import { recordToPoint } from '../../alerting/influx-store.js';
import { importInfluxRecords } from '../../alerting/influx-import.js';
import { manualRecords } from '../../alerting/manual-records.js';
import { createLogger } from '../../lib/logger.js';
import { tempSqlite } from '../helpers/database.js';
import { withInfluxd } from '../helpers/influxd.js';
import { scratchDir } from '../helpers/scratch-dir.js';

// Silences and attestations of an install from before the database, as points in InfluxDB, are
// copied into the database once.

const fixture = withInfluxd(test);
const logger = createLogger('test', 'silent');

/** A silence point as older versions wrote it (`legacyTags`: before the id tag existed). */
function silencePoint(s: Silence, legacyTags = false): PointData {
  const def = ALERTING_SERIES.silence;
  const f = def.fields;
  return {
    measurement: def.measurement,
    tags: legacyTags ? { [TAGS.station]: s.stationId } : { [TAGS.station]: s.stationId, silence: s.id },
    time: s.from,
    fields: {
      id: { type: f.id, value: s.id },
      rule_ids: { type: f.rule_ids, value: s.ruleIds.join(',') },
      from_ms: { type: f.from_ms, value: s.from },
      until_ms: { type: f.until_ms, value: s.until },
      reason: { type: f.reason, value: s.reason },
      created_by: { type: f.created_by, value: s.createdBy },
      record_json: { type: f.record_json, value: JSON.stringify(s) },
    },
  };
}

test('silences still running and every attestation are imported once; broken records are counted, not imported', async (t) => {
  const influx = await fixture.connect(t);
  const now = Date.UTC(2026, 4, 6, 2);
  const a: Silence = {
    id: 's-a',
    stationId: 'SN-0001',
    ruleIds: ['fridge_too_warm'],
    from: now - 60_000,
    until: now + 3_600_000,
    reason: '更换冰箱',
    createdBy: 'ops',
  };
  const b: Silence = { ...a, id: 's-b', ruleIds: [], until: now + 7_200_000, reason: '整站维护' };
  const legacy: Silence = { ...a, id: 's-old', from: now - 120_000 };
  const over: Silence = { ...a, id: 's-over', from: now - 7_200_000, until: now - 3_600_000 };
  const att: Attestation = { stationId: 'SN-0001', item: 'medical_kit', present: true, working: true, by: '检查员', at: now - 86_400_000, note: '药品齐全' };
  const att2: Attestation = { stationId: 'SB-0001', item: 'umbrellas', present: false, working: false, by: '检查员', at: now - 3_600_000 };
  const broken = recordToPoint({ kind: 'attestation', attestation: { ...att, stationId: 'SN-0002' }, district: 'SN' });
  broken.fields.record_json = { type: 'string', value: '{"stationId":"SN-0002","item":' };
  const w = influx.writer({ spoolDir: scratchDir('import-spool-') });
  w.write([
    silencePoint(a),
    silencePoint(b),
    silencePoint(legacy, true),
    silencePoint(over),
    recordToPoint({ kind: 'attestation', attestation: att, district: 'SN' }),
    recordToPoint({ kind: 'attestation', attestation: att2, district: 'SB' }),
    broken,
  ]);
  await w.close();

  const database = await tempSqlite();
  t.teardown(() => database.close());
  const first = await importInfluxRecords(database.db, influx, logger, () => now);
  t.deepEqual(first, { silences: { imported: 3, skipped: 0 }, attestations: { imported: 2, skipped: 1 } });
  const records = manualRecords(database.db);
  const byId = (list: Silence[]) => [...list].sort((x, y) => x.id.localeCompare(y.id));
  t.deepEqual(byId(await records.loadSilences(now)), [a, b, legacy], 'the silence already over is left behind');
  t.deepEqual(await records.loadAttestations(0), [att, att2]);
  t.is((await database.db.selectFrom('attestations').select('district').where('station_id', '=', 'SB-0001').executeTakeFirstOrThrow()).district, 'SB');

  t.deepEqual(await importInfluxRecords(database.db, influx, logger, () => now), { silences: null, attestations: null }, 'the next start imports nothing');
  t.is((await records.loadAttestations(0)).length, 2);
});
