import test from 'ava';
import type { Alert, ComplianceSnapshot, ComplianceTime, FacilityStatus } from '../../domain/alerts.js';
import type { Station } from '../../domain/station.js';
import { acceptanceForm, type FormEvidence, formYears, liveEvidence } from '../../rules/acceptance-form.js';
import { NO_TIME } from '../../rules/compliance.js';
import { H, station } from './timeline.js';

// The 附件2 form scores only what its evidence holds up (issue 11 item 1): working equipment needs
// recent evidence within its limits, item 10 is split into what telemetry evidences and what a
// person scores, 交通便利 is a person's, item 4 keeps its self-built-and-plaqued criterion, and a
// year's form is judged on that year's evidence.

const OK: FacilityStatus = { percent: 100, missing: [], faulted: [], notReporting: [], unattested: [] };
const stations: Station[] = [1, 2, 3, 4].map((i) =>
  station({ id: `BS-900${i}`, district: 'BS', yearBuilt: 2019, toiletDistanceM: 50, areaM2: 20, hostType: 'union_built' }),
);
const time = (open: number, scheduled: number): ComplianceTime => ({
  ...NO_TIME,
  scheduledMs: scheduled * H,
  openMs: open * H,
  offlineMs: (scheduled - open) * H,
});
const snap = (s: Station, facility: FacilityStatus, t = time(90, 100)): ComplianceSnapshot => ({
  stationId: s.id,
  district: 'BS',
  today: null,
  last30Days: null,
  yearToDate: t.openMs / t.scheduledMs,
  coverage: { today: null, last30Days: null, yearToDate: 1 },
  time: { today: NO_TIME, last30Days: NO_TIME, yearToDate: t },
  failingOpenAllYear: false,
  facility,
});
const alert = (stationId: string, ruleId: string, state: Alert['state'] = 'firing'): Alert => ({
  key: `${stationId}:${ruleId}`,
  ruleId,
  stationId,
  district: 'BS',
  severity: 'major',
  state,
  summaryZh: '',
  summaryEn: '',
  firstSeen: 0,
  lastSeen: 0,
  escalated: false,
});
const item = (ev: FormEvidence, no: number, year = 2026, manual = new Map()) =>
  acceptanceForm('BS', year, stations, ev, manual).items.find((i) => i.no === no)!;

test('item 7: a silent, faulted or out-of-limits appliance is not working; a resolved alert does not count', (t) => {
  const ev = liveEvidence(
    [
      snap(stations[0]!, OK),
      snap(stations[1]!, { ...OK, percent: 94, notReporting: ['water_dispenser'] }),
      snap(stations[2]!, OK),
      snap(stations[3]!, { ...OK, percent: 94, faulted: ['microwave'] }),
    ],
    [alert('BS-9003', 'fridge_too_warm'), alert('BS-9001', 'fridge_too_warm', 'resolved')],
  );
  const i7 = item(ev, 7);
  // The old form counted a silent dispenser and a warm fridge as serving: 3 of 4.
  t.is(i7.score, 2.5);
  t.true(i7.auto);
  t.regex(i7.evidenceZh.join('\n'), /1\/4 座各项服务有近期证明/);
  t.regex(i7.evidenceZh.join('\n'), /1 座饮水（饮水机）无近期数据/);
  t.regex(i7.evidenceZh.join('\n'), /1 座存放饭菜（冰箱）超出运行限值/);
  t.regex(i7.evidenceZh.join('\n'), /1 座热饭（微波炉）故障/);
});

test('item 10: opening and equipment scored from telemetry, service and satisfaction left to a person, each part labelled', (t) => {
  const ev = liveEvidence(
    stations.map((s, i) => snap(s, { ...OK, percent: i === 0 ? 50 : 100 })),
    [],
  );
  const open = item(ev, 10);
  t.like(open, { auto: false, manualMax: 3, score: null });
  t.deepEqual(
    open.parts.map((p) => [p.textZh, p.auto, p.max, p.score]),
    [
      ['常年正常开放', true, 4, 3.6],
      ['设备设施功能完好', true, 3, 2.6],
      ['耐心、细致和贴心的服务，职工满意率高', false, 3, null],
    ],
  );
  t.regex(open.parts[2]!.evidenceZh.join(), /满意率无法由遥测证明/);
  const scored = item(ev, 10, 2026, new Map([[10, { score: 2.5, note: '问卷 40 份', by: 'admin', at: 1 }]]));
  t.is(scored.score, Math.round((3.6 + 2.625 + 2.5) * 10) / 10);
  // A score kept from when the item was wholly manual is capped at the manual part.
  t.is(item(ev, 10, 2026, new Map([[10, { score: 9, note: '', by: 'admin', at: 1 }]])).score, Math.round((3.6 + 2.625 + 3) * 10) / 10);
});

test('item 3 is scored by a person with the site facts as evidence; item 4 keeps its self-built, plaqued and named criterion', (t) => {
  const base = liveEvidence(
    stations.map((s) => snap(s, OK)),
    [],
  );
  const i3 = item(base, 3);
  t.like(i3, { auto: false, manualMax: 10, score: null });
  t.regex(i3.evidenceZh.join(), /不代表交通便利/);
  const i4 = item(base, 4);
  t.regex(i4.textZh, /自建本级户外劳动者驿站并挂牌命名5个以上/);
  t.regex(i4.evidenceZh.join(), /工会自建本级驿站 4 座，其中已挂牌命名 0 座：未达到/);
  const five = [...stations, station({ id: 'BS-9005', district: 'BS', yearBuilt: 2019, hostType: 'union_built' })];
  const plaqued = { ...base, plaqued: new Set(five.map((s) => s.id)) };
  const form = acceptanceForm('BS', 2026, five, plaqued, new Map());
  t.regex(form.items.find((i) => i.no === 4)!.evidenceZh.join(), /其中已挂牌命名 5 座：达到/);
  const sites = { ...base, siteChecks: new Map([['BS-9001', { street_facing_ground_floor: true, signage: false }]]) };
  t.regex(item(sites, 3).evidenceZh.join(), /1\/4 座确认一楼临街/);
  t.regex(item(sites, 4).evidenceZh.join(), /0\/4 座确认醒目标识，1 座不符/);
});

test("a past year's form is judged on that year's rollups, and its equipment items are left to a person", (t) => {
  const past: FormEvidence = {
    time: new Map(stations.map((s) => [s.id, time(50, 100)])),
    live: null,
    siteChecks: new Map(),
    plaqued: new Set(),
  };
  const i10 = item(past, 10, 2020);
  t.deepEqual(
    i10.parts.map((p) => [p.auto, p.score]),
    [
      [true, 2],
      [false, null],
      [false, null],
    ],
  );
  t.is(i10.manualMax, 6);
  t.regex(i10.evidenceZh.join(), /2020年按时开放率（全区合计）50%/);
  t.like(item(past, 7, 2020), { auto: false, score: null });
  // No rollups that year: nothing is scored from telemetry.
  t.is(item({ ...past, time: new Map() }, 10, 2020).manualMax, 10);
});

test('forms exist for every year from the first station to the current one', (t) => {
  t.deepEqual(formYears(stations, 2026), [2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026]);
  const form = acceptanceForm('BS', 2024, stations, { time: new Map(), live: null, siteChecks: new Map(), plaqued: new Set() }, new Map());
  t.is(form.year, 2024);
  t.is(form.items.length, 10);
});
