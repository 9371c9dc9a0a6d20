import { z } from 'zod';
import type { FacilityStatus, Severity } from '../domain/alerts.js';
import { ITEM_NAMES, REQUIREMENTS, type Appliance, type EquipmentItem } from '../domain/equipment.js';
import { isScheduledOpen } from '../domain/schedule.js';
import type { Station } from '../domain/station.js';
import type { StationState } from '../domain/station-state.js';
import { facilityGapsText, type FacilityGap } from '../domain/words.js';

// The rule catalogue: what each rule means, its defaults and its instantaneous condition.
// Durations (how long a condition must hold before firing, and stay clear before
// resolving) live in the lifecycle, not here, so every rule stays a pure predicate.

/** What a rule sees of one station at one instant. */
export interface RuleContext {
  station: Station;
  state: StationState;
  now: number;
  /** When the engine started watching: a station silent since then counts as offline. */
  watchingSince: number;
  facility: FacilityStatus;
  /** Open compliance (0..1) over the rolling window of complete days; null until enough days are rolled up. */
  rollingCompliance: number | null;
  complianceThreshold: number;
}

/** A condition that holds, with a short bilingual detail for the alert summary. */
export interface Finding {
  detailZh: string;
  detailEn: string;
}

export interface RuleSpec<P = unknown> {
  id: string;
  descriptionZh: string;
  descriptionEn: string;
  severity: Severity;
  /** Minimum time the condition must hold before the alert fires. */
  forS: number;
  /** Minimum time the condition must stay clear before the alert resolves (keep firing). */
  keepFiringS: number;
  /** Muted while the station itself is offline: its device readings are stale then. */
  inhibitedByOffline: boolean;
  params: z.ZodType<P>;
  /** `firing` lets threshold rules clear at a lower value than they fire at (hysteresis). */
  check(ctx: RuleContext, params: P, firing: boolean): Finding | null;
}

const define = <S extends z.ZodObject>(spec: Omit<RuleSpec<z.infer<S>>, 'params'> & { params: S }): RuleSpec => spec as unknown as RuleSpec;

const seconds = (fallback: number) =>
  z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(fallback);

export const OfflineParamsSchema = z.strictObject({
  heartbeatIntervalS: z.number().int().min(1).max(3600).default(60).describe('How often a station publishes its status heartbeat (must match the devices)'),
  missedHeartbeats: z.number().min(1).max(20).default(1.5).describe('Heartbeat intervals without any message before the station counts as offline'),
});
export type OfflineParams = z.infer<typeof OfflineParamsSchema>;

/** How long after its newest sample a station counts as offline. */
export const offlineAfterMs = (p: OfflineParams): number => Math.round(p.heartbeatIntervalS * p.missedHeartbeats * 1000);

/** Station offline: a Last Will or shutdown, heartbeats missed, or never heard since the engine started watching. */
export function isOffline(state: StationState, now: number, afterMs: number, watchingSince: number): boolean {
  if (state.online === false) return true;
  if (state.lastSeen === null) return now - watchingSince > afterMs;
  return now - state.lastSeen > afterMs;
}

/** Open for service: the station says it is open and it is online. */
export function isServing(state: StationState, now: number, afterMs: number, watchingSince: number): boolean {
  return state.open === true && !isOffline(state, now, afterMs, watchingSince);
}

const minutesAgo = (now: number, t: number): number => Math.max(0, Math.round((now - t) / 60_000));

/** Items by name, never by id: "饮水机、微波炉" / "Water dispenser, Microwave". */
const names = (ids: readonly EquipmentItem[], lang: 'zh' | 'en'): string => ids.map((id) => ITEM_NAMES[id][lang]).join(lang === 'zh' ? '、' : ', ');

const fresh = (at: number, now: number, staleS: number): boolean => now - at <= staleS * 1000;

export const RULES: readonly RuleSpec[] = [
  define({
    id: 'station_offline',
    descriptionZh: '驿站离线',
    descriptionEn: 'Station offline',
    severity: 'critical',
    forS: 0,
    keepFiringS: 30,
    inhibitedByOffline: false,
    params: OfflineParamsSchema,
    check: ({ state, now, watchingSince }, p, firing) => {
      // Silence since the engine started is no evidence the station is back: an offline alert
      // restored after a restart stays open until the station is heard from.
      const unheard = firing && state.online === null;
      if (!unheard && !isOffline(state, now, offlineAfterMs(p), watchingSince)) return null;
      if (state.online === false) {
        const how = state.offlineReason === 'shutdown' ? ['正常关机', 'shut down'] : ['连接中断（遗嘱消息）', 'connection lost (Last Will)'];
        return { detailZh: how[0]!, detailEn: how[1]! };
      }
      if (state.lastSeen === null) return { detailZh: '自监测开始未收到任何消息', detailEn: 'no message since monitoring started' };
      const m = minutesAgo(now, state.lastSeen);
      return { detailZh: `心跳已中断 ${m} 分钟`, detailEn: `no heartbeat for ${m} min` };
    },
  }),
  define({
    id: 'closed_in_hours',
    descriptionZh: '开放时段内未开放（常年正常开放）',
    descriptionEn: 'Closed during scheduled opening hours',
    severity: 'major',
    forS: 900,
    keepFiringS: 60,
    inhibitedByOffline: false,
    params: OfflineParamsSchema,
    check: ({ station, state, now, watchingSince }, p) => {
      if (!isScheduledOpen(station.openingHours, now)) return null;
      if (isServing(state, now, offlineAfterMs(p), watchingSince)) return null;
      return isOffline(state, now, offlineAfterMs(p), watchingSince)
        ? { detailZh: '离线，视为未开放', detailEn: 'offline, counted as closed' }
        : { detailZh: '驿站报告关闭', detailEn: 'station reports closed' };
    },
  }),
  define({
    id: 'open_compliance_low',
    descriptionZh: '常年正常开放达标率不足',
    descriptionEn: 'Open-all-year compliance below threshold',
    severity: 'major',
    forS: 0,
    keepFiringS: 0,
    inhibitedByOffline: false,
    params: z.strictObject({}),
    check: ({ rollingCompliance, complianceThreshold }) =>
      rollingCompliance !== null && rollingCompliance < complianceThreshold
        ? {
            detailZh: `近30天开放率 ${(rollingCompliance * 100).toFixed(1)}%，低于 ${(complianceThreshold * 100).toFixed(0)}%`,
            detailEn: `30-day open rate ${(rollingCompliance * 100).toFixed(1)}% < ${(complianceThreshold * 100).toFixed(0)}%`,
          }
        : null,
  }),
  define({
    id: 'facility_incomplete',
    descriptionZh: '设施配备不全',
    descriptionEn: 'Facilities incomplete',
    severity: 'minor',
    forS: 600,
    keepFiringS: 60,
    inhibitedByOffline: true,
    params: z.strictObject({
      alertOnUnattested: z.boolean().default(false).describe('Also alert when a manual item only lacks a recent inspection'),
    }),
    check: ({ station, facility }, p) => {
      // An appliance's fault code is appliance_fault's alert; an item an inspection found broken has no other.
      const broken = facility.faulted.filter((id) => REQUIREMENTS.find((r) => r.id === id)!.anyOf.some((item) => station.equipment[item] === 'inspection'));
      const gaps: Array<[FacilityGap, string[]]> = [
        ['missing', facility.missing],
        ['faulted', broken],
        ['notReporting', facility.notReporting],
        ['unattested', p.alertOnUnattested ? facility.unattested : []],
      ];
      if (gaps.every(([, ids]) => ids.length === 0)) return null;
      return {
        detailZh: `${facilityGapsText(gaps, 'zh')}（完备率 ${facility.percent}%）`,
        detailEn: `${facilityGapsText(gaps, 'en')} (${facility.percent}%)`,
      };
    },
  }),
  define({
    id: 'appliance_fault',
    descriptionZh: '设备故障',
    descriptionEn: 'Appliance fault',
    severity: 'major',
    forS: 0,
    keepFiringS: 120,
    inhibitedByOffline: true,
    params: z.strictObject({}),
    check: ({ state }) => {
      const faults = (Object.entries(state.appliances) as Array<[Appliance, { faultCode: string | null }]>).filter(([, a]) => a.faultCode !== null);
      if (faults.length === 0) return null;
      return {
        detailZh: faults.map(([id, a]) => `${ITEM_NAMES[id].zh} ${a.faultCode}`).join('、'),
        detailEn: faults.map(([id, a]) => `${ITEM_NAMES[id].en} ${a.faultCode}`).join(', '),
      };
    },
  }),
  define({
    id: 'fridge_too_warm',
    descriptionZh: '冰箱温度过高',
    descriptionEn: 'Fridge too warm',
    severity: 'major',
    forS: 1800,
    keepFiringS: 300,
    inhibitedByOffline: true,
    params: z.strictObject({
      maxTempC: z.number().min(-10).max(30).default(8),
      hysteresisC: z.number().min(0).max(10).default(0.5).describe('A firing alert clears only below maxTempC − hysteresisC'),
    }),
    check: ({ state }, p, firing) => {
      const t = state.appliances.fridge?.tempC;
      if (t === undefined) return null;
      const limit = firing ? p.maxTempC - p.hysteresisC : p.maxTempC;
      return t > limit ? { detailZh: `冰箱 ${t.toFixed(1)} °C > ${p.maxTempC} °C`, detailEn: `fridge at ${t.toFixed(1)} °C > ${p.maxTempC} °C` } : null;
    },
  }),
  define({
    id: 'water_not_heating',
    descriptionZh: '饮水机不加热',
    descriptionEn: 'Water dispenser not heating',
    severity: 'minor',
    forS: 2700,
    keepFiringS: 120,
    inhibitedByOffline: true,
    params: z.strictObject({}),
    check: ({ state }) => {
      const w = state.appliances.water_dispenser;
      return w?.on && w.heating === false ? { detailZh: '饮水机通电但长时间未加热', detailEn: 'switched on but not heating' } : null;
    },
  }),
  define({
    id: 'appliance_no_power',
    descriptionZh: '设备开启但无功率',
    descriptionEn: 'Appliance on but drawing no power',
    severity: 'minor',
    forS: 120,
    keepFiringS: 60,
    inhibitedByOffline: true,
    params: z.strictObject({
      minPowerW: z.number().min(0).max(500).default(5),
      appliances: z.array(z.enum(['microwave', 'air_conditioner', 'fan', 'water_dispenser', 'fridge'])).default(['microwave', 'air_conditioner']),
    }),
    check: ({ state }, p) => {
      const dead = p.appliances.filter((id) => {
        const a = state.appliances[id];
        return a?.on && a.powerW < p.minPowerW;
      });
      if (dead.length === 0) return null;
      return { detailZh: `${names(dead, 'zh')} 开启但功率低于 ${p.minPowerW} W`, detailEn: `${names(dead, 'en')} on but below ${p.minPowerW} W` };
    },
  }),
  define({
    id: 'speaker_offline',
    descriptionZh: '小度音箱离线',
    descriptionEn: 'AI speaker offline',
    severity: 'minor',
    forS: 300,
    keepFiringS: 60,
    inhibitedByOffline: true,
    params: z.strictObject({ staleS: seconds(900).describe('A speaker silent this long while the station is online counts as offline') }),
    check: ({ state, now }, p) => {
      const s = state.speaker;
      if (!s || state.online !== true) return null;
      if (!s.online) return { detailZh: '音箱报告离线', detailEn: 'speaker reports offline' };
      return fresh(s.at, now, p.staleS)
        ? null
        : { detailZh: `音箱 ${minutesAgo(now, s.at)} 分钟无消息`, detailEn: `speaker silent for ${minutesAgo(now, s.at)} min` };
    },
  }),
  define({
    id: 'door_open_while_closed',
    descriptionZh: '闭站期间门未关',
    descriptionEn: 'Door open while the station is closed',
    severity: 'major',
    forS: 300,
    keepFiringS: 30,
    inhibitedByOffline: true,
    params: z.strictObject({}),
    check: ({ state }) => (state.open === false && state.doorOpen === true ? { detailZh: '驿站关闭但门开着', detailEn: 'closed but the door is open' } : null),
  }),
  define({
    id: 'over_capacity',
    descriptionZh: '超员',
    descriptionEn: 'Occupancy above capacity',
    severity: 'minor',
    forS: 300,
    keepFiringS: 120,
    inhibitedByOffline: true,
    params: z.strictObject({}),
    check: ({ station, state }) =>
      state.people !== null && state.people > station.capacity
        ? { detailZh: `${state.people} 人，容量 ${station.capacity} 人`, detailEn: `${state.people} people, capacity ${station.capacity}` }
        : null,
  }),
  define({
    id: 'power_outage',
    descriptionZh: '停电',
    descriptionEn: 'Power outage',
    severity: 'critical',
    forS: 60,
    keepFiringS: 60,
    inhibitedByOffline: true,
    params: z.strictObject({
      minAppliances: z.number().int().min(1).max(7).default(2).describe('Fresh appliance readings needed to call it an outage'),
      staleS: seconds(600),
    }),
    check: ({ state, now }, p) => {
      // The fridge and the dispenser are always plugged in: every fresh reading at 0 W means no mains.
      const readings = Object.values(state.appliances).filter((a) => a !== undefined && fresh(a.at, now, p.staleS));
      if (readings.length < p.minAppliances || readings.some((a) => a!.powerW > 0)) return null;
      return { detailZh: `${readings.length} 台设备功率均为 0`, detailEn: `all ${readings.length} appliances at 0 W` };
    },
  }),
];

export const RULE_IDS = RULES.map((r) => r.id);
