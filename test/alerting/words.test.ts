import test from 'ava';
import { renderGroup, type NotificationEvent } from '../../alerting/messages.js';
import { monthlySummary, renderMonthly, renderSelfCheck, selfCheckDrafts } from '../../alerting/reports.js';
import type { Alert, ComplianceSnapshot, FacilityStatus } from '../../domain/alerts.js';
import { districtByCode } from '../../domain/districts.js';
import { APPLIANCES, EQUIPMENT_ITEMS, ITEM_NAMES, REQUIREMENTS, TELEMETRY_CAPABLE } from '../../domain/equipment.js';
import type { Station } from '../../domain/station.js';
import { applyTelemetry, initialState, type StationState } from '../../domain/station-state.js';
import { equipmentWords, FACILITY_GAPS, STATION_STATES } from '../../domain/words.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { NO_TIME } from '../../rules/compliance.js';
import { evaluateStation } from '../../rules/engine.js';
import type { Track } from '../../rules/lifecycle.js';
import { parseRulesConfig, resolveRules } from '../../rules/rule-config.js';
import { complianceSnapshot } from '../helpers/compliance-snapshot.js';
import { at, H, msg, station } from '../rules/timeline.js';

// One zh/en name per equipment item and state (domain/equipment.ts, domain/words.ts), and no
// message or report a person reads shows a raw id such as `umbrellas` instead.

const ids = [...new Set<string>([...EQUIPMENT_ITEMS, ...REQUIREMENTS.map((r) => r.id)])];
const anyId = new RegExp(`\\b(${ids.join('|')})\\b`);
/** Ids that are no English word either (Chinese lines must show none at all). */
const codeLike = new RegExp(`\\b(${ids.filter((id) => id.includes('_') || id === 'wifi').join('|')})\\b`);
const cjk = /[\u4e00-\u9fff]/;

function rawIds(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    const m = (cjk.test(line) ? anyId : codeLike).exec(line.replace(/[A-Z]{2,3}-\d{4}/g, ''));
    return m ? [`${m[1]} in: ${line.trim()}`] : [];
  });
}

const everything = (): FacilityStatus => {
  const all = REQUIREMENTS.map((r) => r.id);
  return { percent: 0, missing: all, faulted: all, notReporting: all, unattested: all };
};

/** Every rule's alert for a station where everything is wrong at once. */
function everyAlert(): Alert[] {
  const equipment = Object.fromEntries(EQUIPMENT_ITEMS.map((i) => [i, TELEMETRY_CAPABLE.has(i) ? 'telemetry' : 'inspection'])) as Station['equipment'];
  const st = station({ capacity: 2, equipment });
  const t0 = at('2026-05-06T10:00:00');
  const config = parseRulesConfig({ version: 1, rules: { facility_incomplete: { params: { alertOnUnattested: true } } } });
  const tracks = new Map<string, Track>();
  const alerts = new Map<string, Alert>();
  for (const now of [t0, t0 + 2 * H]) {
    let state: StationState = initialState(st);
    for (const m of [
      msg.heartbeat(now - 1000),
      msg.service(now - H, false, 'open'),
      msg.people(now - 1000, 9),
      ...APPLIANCES.map((a) => msg.appliance(now - 1000, a, { on: true, powerW: 0, faultCode: 'E9', tempC: 20, heating: false })),
    ])
      state = applyTelemetry(state, m);
    const r = evaluateStation({
      ctx: { station: st, state, now, watchingSince: t0 - 24 * H, facility: everything(), rollingCompliance: 0.5, complianceThreshold: 0.95 },
      rules: resolveRules(config, st),
      tracks,
      silences: [],
      escalateAfterMs: 24 * H,
    });
    for (const c of r.changed) {
      tracks.set(c.key, c);
      if (c.alert) alerts.set(c.key, c.alert);
    }
  }
  return [...alerts.values()];
}

test('alert messages (WeCom/DingTalk) name every item, in Chinese and English, never by its id', (t) => {
  const alerts = everyAlert();
  t.true(alerts.length >= 8, `${alerts.length} rules fired: ${alerts.map((a) => a.ruleId).join(', ')}`);
  const facility = alerts.find((a) => a.ruleId === 'facility_incomplete')!;
  t.regex(facility.summaryZh, /缺少：无线网络、小度人工智能音箱.*雨伞.*；故障：.*；未上报：.*；未巡检：/);
  t.regex(facility.summaryEn, /Missing: Wi-Fi, AI speaker.*Umbrellas/);
  t.regex(alerts.find((a) => a.ruleId === 'appliance_fault')!.summaryEn, /Water dispenser E9/);
  const events: NotificationEvent[] = alerts.map((alert) => ({ kind: 'firing', alert }));
  const message = renderGroup({ audience: 'district', district: 'SN', events });
  for (const a of alerts) t.deepEqual([...rawIds(a.summaryZh), ...rawIds(a.summaryEn)], [], a.ruleId);
  t.deepEqual(rawIds(message.markdown), []);
  t.deepEqual(rawIds(message.text), []);
});

test('monthly reports and self-check drafts show no raw ids either', (t) => {
  const registry = loadRegistryFile();
  const snapshots: ComplianceSnapshot[] = registry.stations.map((s) =>
    complianceSnapshot({
      stationId: s.id,
      district: s.district,
      today: 0.5,
      last30Days: 0.5,
      yearToDate: 0.5,
      failingOpenAllYear: true,
      facility: everything(),
    }),
  );
  const rollups = registry.stations.map((s) => ({ ...NO_TIME, stationId: s.id, district: s.district, date: '2026-04-02', scheduledMs: 10 * H, openMs: 4 * H }));
  const rows = monthlySummary(registry, rollups, snapshots, '2026-04', 0.95);
  const texts = [renderMonthly(rows, (d) => districtByCode(d).nameZh, 'city'), ...selfCheckDrafts(registry, snapshots, [], 2021).map(renderSelfCheck)];
  for (const m of texts) t.deepEqual([...rawIds(m.title), ...rawIds(m.markdown), ...rawIds(m.text)], [], m.title);
});

test('one name per item and per state: no two share a word, and 未上报 means only "not reporting"', (t) => {
  for (const lang of ['zh', 'en'] as const) {
    const items = Object.values(ITEM_NAMES).map((w) => w[lang]);
    t.is(new Set(items).size, items.length, `item names (${lang})`);
    const states = [...Object.values(FACILITY_GAPS), ...Object.values(STATION_STATES)].map((w) => w[lang]);
    t.is(new Set(states).size, states.length, `state words (${lang})`);
  }
  t.is(FACILITY_GAPS.notReporting.zh, '未上报');
  t.not(STATION_STATES.unknown.zh, '未上报');
  // Every requirement and item has its name (the dashboard shows these, never the id).
  for (const id of ids) t.notRegex(equipmentWords(id).zh, /[a-z]/, id);
});
