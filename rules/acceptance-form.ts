import { z } from 'zod';
import type { Alert, ComplianceSnapshot, ComplianceTime, FacilityStatus } from '../domain/alerts.js';
import { districtByCode, PLAN_YEARS, type DistrictCode } from '../domain/districts.js';
import { MAX_TOILET_DISTANCE_M, MIN_AREA_M2 } from '../domain/equipment.js';
import type { SiteCheck } from '../domain/inspection.js';
import type { Station } from '../domain/station.js';
import { complianceOf, coverageOf, NO_TIME, pooledTime } from './compliance.js';

// The acceptance self-check form (附件2): 10 items, 100 points. Items the registry and the
// telemetry can evidence are scored here with their evidence; the rest are scored by city staff,
// and so is an evidenced item whose evidence does not cover it all (never a guessed score). Item 10
// is split: the part telemetry evidences is scored, the rest (worker satisfaction) is a person's.
// A year's form is judged on that year's evidence (FormEvidence), never on today's for a past year.
// Pure: the dashboard serves it, the alerting service drafts it in June (self-check before July).

export interface FormItemDef {
  no: number;
  sectionZh: string;
  sectionEn: string;
  textZh: string;
  textEn: string;
  max: number;
  /** Evidenced by the registry and telemetry, wholly or in part (item 10); the form says per year what was scored from evidence. */
  auto: boolean;
}

export const FORM_ITEMS: readonly FormItemDef[] = [
  {
    no: 1,
    sectionZh: '组织领导',
    sectionEn: 'Leadership',
    max: 10,
    auto: false,
    textZh: '领导重视，每年至少召开一次会议研究部署，有明确的负责人，底数清、情况明',
    textEn: 'Leadership meets at least yearly, names a person in charge and knows the stations',
  },
  {
    no: 2,
    sectionZh: '组织领导',
    sectionEn: 'Leadership',
    max: 10,
    auto: true,
    textZh: '完成市总下达的目标任务',
    textEn: "Meets the city union's build target",
  },
  {
    no: 3,
    sectionZh: '基础建设',
    sectionEn: 'Infrastructure',
    max: 10,
    // 交通便利 is not in the registry (area and toilet distance are not access): city staff score
    // it, with the registry's site facts and the year's inspections as evidence.
    auto: false,
    textZh: '有合理的服务场所，在选址上要交通便利，方便职工进出',
    textEn: 'A suitable site, easy to reach, easy for workers to get in and out',
  },
  {
    no: 4,
    sectionZh: '基础建设',
    sectionEn: 'Infrastructure',
    max: 15,
    auto: false,
    textZh:
      '有醒目的标识，小度人工智能音箱、桌子、椅子，书报架，饮水机、微波炉，医药箱，多功能电源插座、打气筒、垃圾桶、雨伞；自建本级户外劳动者驿站并挂牌命名5个以上',
    textEn: 'Prominent signage and the full equipment list; at least 5 stations built by the district union itself, plaqued and named',
  },
  { no: 5, sectionZh: '机构人员', sectionEn: 'Staffing', max: 5, auto: true, textZh: '有1名工作人员维护', textEn: 'At least one maintainer' },
  { no: 6, sectionZh: '资金来源', sectionEn: 'Funding', max: 10, auto: false, textZh: '建立多元化的资金筹集渠道', textEn: 'Diversified funding' },
  {
    no: 7,
    sectionZh: '服务项目',
    sectionEn: 'Services',
    max: 10,
    auto: true,
    textZh: '提供饮水、休息、避雨、热饭、学习和如厕等服务',
    textEn: 'Water, rest, shelter, heating food, learning and toilet',
  },
  { no: 8, sectionZh: '服务项目', sectionEn: 'Services', max: 10, auto: false, textZh: '提供心理咨询等多样化服务', textEn: 'Counselling and other services' },
  { no: 9, sectionZh: '工作规范', sectionEn: 'Operating standards', max: 10, auto: false, textZh: '建立内部管理制度', textEn: 'Internal management rules' },
  {
    no: 10,
    sectionZh: '工作规范',
    sectionEn: 'Operating standards',
    max: 10,
    auto: true,
    textZh: '服务站能够常年正常开放、设备设施功能完好，且能够较好为户外劳动者提供耐心、细致和贴心的服务，职工满意率高',
    textEn: 'Open all year, equipment working, patient and attentive service, workers satisfied',
  },
];

/** Item 10 in the parts the platform scores apart (the plan gives one 10-point item; the split is ours, shown on the form). */
export const ITEM10_PARTS = {
  open: { max: 4, zh: '常年正常开放', en: 'Open all year' },
  equipment: { max: 3, zh: '设备设施功能完好', en: 'Equipment and facilities working' },
  service: { max: 3, zh: '耐心、细致和贴心的服务，职工满意率高', en: 'Patient, attentive service; workers satisfied' },
} as const;

/** The least number of stations a district union builds itself, plaqued and named (item 4). */
export const MIN_SELF_BUILT_PLAQUED = 5;

/**
 * Rules whose firing alert means an appliance is outside its own limits — it reports, without a
 * fault code, but does not do its job (a fridge above its maximum temperature): not working.
 */
export const LIMIT_RULES: Readonly<Record<string, readonly string[]>> = {
  fridge: ['fridge_too_warm'],
  water_dispenser: ['water_not_heating'],
};

export interface ManualScore {
  score: number;
  note: string;
  by: string;
  at: number;
}

/** The equipment as it stands now, judged by the alerting service: only a form of the current year has it. */
export interface LiveEquipment {
  facility: ReadonlyMap<string, FacilityStatus>;
  /** Rule ids firing (unresolved) per station. */
  firing: ReadonlyMap<string, ReadonlySet<string>>;
}

/** What a year's form is judged on: that year's, never today's for a past year. */
export interface FormEvidence {
  /** Per station, where its scheduled time went in the form's year (its daily rollups; the current year up to now). */
  time: ReadonlyMap<string, ComplianceTime>;
  /** The current year only: past years' equipment state is not kept, so their equipment items are scored by hand. */
  live: LiveEquipment | null;
  /** Per station, the newest site checks of inspections in the form's year (true = confirmed). */
  siteChecks: ReadonlyMap<string, Partial<Record<SiteCheck, boolean>>>;
  /** Stations with a plaque (挂牌) by the end of the form's year. */
  plaqued: ReadonlySet<string>;
}

/** The current year's evidence from the alerting service's snapshots and unresolved alerts. */
export function liveEvidence(
  snapshots: Iterable<ComplianceSnapshot>,
  alerts: readonly Alert[],
  rest: Pick<FormEvidence, 'siteChecks' | 'plaqued'> = { siteChecks: new Map(), plaqued: new Set() },
): FormEvidence {
  const time = new Map<string, ComplianceTime>();
  const facility = new Map<string, FacilityStatus>();
  for (const s of snapshots) {
    time.set(s.stationId, s.time.yearToDate);
    facility.set(s.stationId, s.facility);
  }
  const firing = new Map<string, Set<string>>();
  for (const a of alerts) if (a.state !== 'resolved') firing.set(a.stationId, (firing.get(a.stationId) ?? new Set()).add(a.ruleId));
  return { time, live: { facility, firing }, ...rest };
}

const PartSchema = z.object({
  textZh: z.string(),
  textEn: z.string(),
  max: z.number(),
  auto: z.boolean().describe('Scored from the evidence; false = part of what city staff score'),
  score: z.number().nullable(),
  evidenceZh: z.array(z.string()),
  evidenceEn: z.array(z.string()),
});

export const FormItemSchema = z.object({
  no: z.number().int(),
  sectionZh: z.string(),
  sectionEn: z.string(),
  textZh: z.string(),
  textEn: z.string(),
  max: z.number(),
  auto: z.boolean().describe('Scored wholly from the evidence this year; false = city staff score manualMax points of it (PUT)'),
  manualMax: z.number().describe('Points city staff score (the parts not evidenced); 0 for an automatic item'),
  score: z.number().nullable().describe('null = not every part scored yet'),
  parts: z.array(PartSchema).describe('What is scored from evidence and what by a person; one part for most items'),
  evidenceZh: z.array(z.string()),
  evidenceEn: z.array(z.string()),
  note: z.string().optional(),
  by: z.string().optional(),
  at: z.number().optional(),
});
export const AcceptanceFormSchema = z
  .object({
    district: z.string(),
    nameZh: z.string(),
    nameEn: z.string(),
    year: z.number().int(),
    total: z.number(),
    max: z.number(),
    complete: z.boolean(),
    items: z.array(FormItemSchema),
  })
  .meta({ id: 'AcceptanceForm' });
export type AcceptanceForm = z.infer<typeof AcceptanceFormSchema>;
export type FormPart = z.infer<typeof PartSchema>;

const round1 = (x: number): number => Math.round(x * 10) / 10;
const share = (n: number, of: number): number => (of === 0 ? 0 : n / of);
const pct = (x: number): string => `${Math.round(x * 100)}%`;

/** One part of an item: score null = not evidenced, a person scores it. */
interface Part {
  textZh: string;
  textEn: string;
  max: number;
  score: number | null;
  zh: string[];
  en: string[];
}

const whole = (def: FormItemDef, score: number | null, zh: string[], en: string[]): Part[] => [
  { textZh: def.textZh, textEn: def.textEn, max: def.max, score, zh, en },
];

/** Why a station's service item is not evidenced as working now, or null when it is. */
function notWorking(req: string, facility: FacilityStatus | undefined, firing: ReadonlySet<string> | undefined): string | null {
  if (!facility) return 'notReporting';
  for (const k of ['missing', 'faulted', 'notReporting', 'unattested'] as const) if (facility[k].includes(req)) return k;
  if ((LIMIT_RULES[req] ?? []).some((r) => firing?.has(r))) return 'outOfLimits';
  return null;
}

const REASON_WORDS: Record<string, { zh: string; en: string }> = {
  missing: { zh: '未配备', en: 'missing' },
  faulted: { zh: '故障', en: 'faulted' },
  notReporting: { zh: '无近期数据', en: 'not reporting' },
  unattested: { zh: '无近期巡检', en: 'not inspected recently' },
  outOfLimits: { zh: '超出运行限值', en: 'outside its limits' },
};

/** Item 7's services and the equipment or registry fact that evidences each. */
const SERVICES = [
  { req: 'water_dispenser', zh: '饮水（饮水机）', en: 'water (dispenser)' },
  { req: 'microwave', zh: '热饭（微波炉）', en: 'heating food (microwave)' },
  { req: 'fridge', zh: '存放饭菜（冰箱）', en: 'keeping food (fridge)' },
  { req: 'ai_speaker', zh: '学习（小度音箱）', en: 'learning (AI speaker)' },
] as const;

function parts(def: FormItemDef, district: DistrictCode, year: number, stations: readonly Station[], ev: FormEvidence): Part[] {
  const n = stations.length;
  const yearTime = (s: Station): ComplianceTime => ev.time.get(s.id) ?? NO_TIME;
  const checked = (c: SiteCheck): { yes: number; no: number } => {
    let yes = 0;
    let no = 0;
    for (const s of stations) {
      const v = ev.siteChecks.get(s.id)?.[c];
      if (v === true) yes++;
      else if (v === false) no++;
    }
    return { yes, no };
  };
  switch (def.no) {
    case 2: {
      const built = stations.length;
      const years = PLAN_YEARS.filter((y) => y <= year);
      const targets = districtByCode(district).targets;
      // The plan splits only the 2019 pilots per unit; later years have city totals only. After
      // the plan, the target is the plan's total.
      const unknown = years.filter((y) => targets[y] === null);
      if (unknown.length > 0) {
        return whole(
          def,
          null,
          [`截至${year}年已建 ${built} 座`, `计划未给出本单位${unknown.join('、')}年的目标（市总目标未分解到区市），请人工评分`],
          [`${built} built by ${year}`, `the plan gives no target of this unit for ${unknown.join(', ')} (city totals only): score by hand`],
        );
      }
      const target = years.reduce((a, y) => a + targets[y]!, 0);
      return whole(
        def,
        def.max * Math.min(1, share(built, target)),
        [`截至${year}年已建 ${built} 座 / 目标 ${target} 座`],
        [`${built} built by ${year} / target ${target}`],
      );
    }
    case 3: {
      const area = stations.filter((s) => s.areaM2 >= MIN_AREA_M2).length;
      const toilet = stations.filter((s) => s.toiletDistanceM <= MAX_TOILET_DISTANCE_M).length;
      const street = checked('street_facing_ground_floor');
      return whole(
        def,
        null,
        [
          `登记信息：${area}/${n} 座面积≥${MIN_AREA_M2}㎡，${toilet}/${n} 座${MAX_TOILET_DISTANCE_M}米内有公厕（场所条件，不代表交通便利）`,
          `${year}年巡检：${street.yes}/${n} 座确认一楼临街，${street.no} 座不符，${n - street.yes - street.no} 座未核查`,
          '交通便利、方便进出须现场核查：请人工评分',
        ],
        [
          `registry: ${area}/${n} with ≥ ${MIN_AREA_M2} m², ${toilet}/${n} with a toilet within ${MAX_TOILET_DISTANCE_M} m (site facts, not access)`,
          `${year} inspections: ${street.yes}/${n} confirmed ground floor facing the street, ${street.no} not, ${n - street.yes - street.no} not checked`,
          'ease of access needs a visit: score by hand',
        ],
      );
    }
    case 4: {
      const selfBuilt = stations.filter((s) => s.hostType === 'union_built');
      const plaqued = selfBuilt.filter((s) => ev.plaqued.has(s.id)).length;
      const met = plaqued >= MIN_SELF_BUILT_PLAQUED;
      const signage = checked('signage');
      const facility = ev.live ? stations.flatMap((s) => ev.live!.facility.get(s.id) ?? []) : [];
      const mean = facility.length ? facility.reduce((a, f) => a + f.percent, 0) / facility.length / 100 : 0;
      const complete = facility.filter((f) => f.percent >= 100).length;
      return whole(
        def,
        null,
        [
          ev.live
            ? `设施配备平均 ${pct(mean)}，${complete}/${n} 座配备齐全（遥测＋巡检证明）`
            : `${year}年的设施状态未留存（平台只判断当前状态）：请按巡检记录核查`,
          `${year}年巡检：${signage.yes}/${n} 座确认醒目标识，${signage.no} 座不符`,
          `工会自建本级驿站 ${selfBuilt.length} 座，其中已挂牌命名 ${plaqued} 座：${met ? '达到' : '未达到'}“自建本级并挂牌命名${MIN_SELF_BUILT_PLAQUED}个以上”`,
          '醒目标识无法由遥测证明：请核查标识后人工评分',
        ],
        [
          ev.live
            ? `facility completeness ${pct(mean)} on average, ${complete}/${n} complete (telemetry + inspections)`
            : `${year}'s equipment state is not kept (the platform judges the present): check the inspection records`,
          `${year} inspections: ${signage.yes}/${n} confirmed prominent signage, ${signage.no} not`,
          `${selfBuilt.length} built by the union itself, ${plaqued} of them plaqued and named: ${met ? 'meets' : 'does not meet'} "at least ${MIN_SELF_BUILT_PLAQUED} self-built, plaqued and named"`,
          'signage is not observable: check it and score by hand',
        ],
      );
    }
    case 5: {
      const ok = stations.filter((s) => s.maintainers.length >= 1).length;
      return whole(def, def.max * share(ok, n), [`${ok}/${n} 座登记了维护人员`], [`${ok}/${n} have a registered maintainer`]);
    }
    case 7: {
      if (!ev.live)
        return whole(
          def,
          null,
          [`${year}年的设备状态未留存（平台只判断当前状态）：请人工评分`],
          [`${year}'s equipment state is not kept (the platform judges the present): score by hand`],
        );
      // Working means recent evidence: reporting, no fault, within its own limits, as judged now.
      const reasons = new Map<string, number>();
      const count = (k: string): void => void reasons.set(k, (reasons.get(k) ?? 0) + 1);
      let serving = 0;
      for (const s of stations) {
        const f = ev.live.facility.get(s.id);
        const firing = ev.live.firing.get(s.id);
        let ok = s.toiletDistanceM <= MAX_TOILET_DISTANCE_M;
        if (!ok) count('toilet');
        if (yearTime(s).openMs <= 0) {
          ok = false;
          count('neverOpen');
        }
        for (const svc of SERVICES) {
          const why = notWorking(svc.req, f, firing);
          if (why) {
            ok = false;
            count(`${svc.req}:${why}`);
          }
        }
        if (ok) serving++;
      }
      const detail = (lang: 'zh' | 'en'): string[] =>
        [...reasons].map(([k, c]) => {
          if (k === 'toilet') return lang === 'zh' ? `${c} 座${MAX_TOILET_DISTANCE_M}米内无公厕` : `${c} without a toilet within ${MAX_TOILET_DISTANCE_M} m`;
          if (k === 'neverOpen') return lang === 'zh' ? `${c} 座${year}年从未开放（休息、避雨）` : `${c} never open in ${year} (rest, shelter)`;
          const [req, why] = k.split(':') as [string, string];
          const svc = SERVICES.find((x) => x.req === req)!;
          return lang === 'zh' ? `${c} 座${svc.zh}${REASON_WORDS[why]!.zh}` : `${c}: ${svc.en} ${REASON_WORDS[why]!.en}`;
        });
      return whole(
        def,
        def.max * share(serving, n),
        [`${serving}/${n} 座各项服务有近期证明（设备在报数据、无故障、未超限值，开放过，附近有公厕）`, ...detail('zh')],
        [`${serving}/${n} with recent evidence of every service (equipment reporting, no fault, within limits; open; toilet nearby)`, ...detail('en')],
      );
    }
    case 10: {
      const P = ITEM10_PARTS;
      // The district's figure pools its stations' time (Σopen ÷ Σwatched scheduled), like the
      // fleet summary and the monthly report: not a mean of station ratios.
      const time = pooledTime(stations.map(yearTime));
      const open = complianceOf(time);
      const watched = coverageOf(time);
      const openPart: Part = {
        textZh: P.open.zh,
        textEn: P.open.en,
        max: P.open.max,
        score: open === null ? null : P.open.max * open,
        zh:
          open === null
            ? [`${year}年无监测数据：请人工评分`]
            : [`${year}年按时开放率（全区合计）${pct(open)}，监测覆盖 ${watched === null ? '—' : pct(watched)}`],
        en:
          open === null
            ? [`nothing monitored in ${year}: score by hand`]
            : [`${year} open compliance ${pct(open)} (district pooled time), monitored ${watched === null ? '—' : pct(watched)}`],
      };
      const facility = ev.live ? stations.flatMap((s) => ev.live!.facility.get(s.id) ?? []) : [];
      const mean = facility.length ? facility.reduce((a, f) => a + f.percent, 0) / facility.length / 100 : null;
      const equipmentPart: Part = {
        textZh: P.equipment.zh,
        textEn: P.equipment.en,
        max: P.equipment.max,
        score: mean === null ? null : P.equipment.max * mean,
        zh: mean === null ? [`${year}年的设备状态未留存：请人工评分`] : [`设施配备完好率（各站平均，当前）${pct(mean)}`],
        en: mean === null ? [`${year}'s equipment state is not kept: score by hand`] : [`facilities working ${pct(mean)} (mean of stations, now)`],
      };
      const servicePart: Part = {
        textZh: P.service.zh,
        textEn: P.service.en,
        max: P.service.max,
        score: null,
        zh: ['服务态度与职工满意率无法由遥测证明：请人工评分（如满意度调查）'],
        en: ['service and worker satisfaction are not observable: score by hand (e.g. a survey)'],
      };
      return [openPart, equipmentPart, servicePart];
    }
    default:
      return whole(def, null, [], []);
  }
}

export function acceptanceForm(
  district: DistrictCode,
  year: number,
  stations: readonly Station[],
  evidence: FormEvidence,
  manual: ReadonlyMap<number, ManualScore>,
): AcceptanceForm {
  const d = districtByCode(district);
  const inScope = stations.filter((s) => s.district === district && s.yearBuilt <= year);
  const items = FORM_ITEMS.map((def) => {
    const ps = parts(def, district, year, inScope, evidence);
    const manualMax = ps.filter((p) => p.score === null).reduce((a, p) => a + p.max, 0);
    const autoScore = ps.reduce((a, p) => a + (p.score ?? 0), 0);
    const m = manualMax > 0 ? manual.get(def.no) : undefined;
    // A score kept from when more of the item was manual never exceeds what a person scores now.
    const score = manualMax === 0 ? round1(autoScore) : m ? round1(autoScore + Math.min(m.score, manualMax)) : null;
    return {
      ...def,
      auto: manualMax === 0,
      manualMax,
      score,
      parts: ps.map((p) => ({
        textZh: p.textZh,
        textEn: p.textEn,
        max: p.max,
        auto: p.score !== null,
        score: p.score === null ? null : round1(p.score),
        evidenceZh: p.zh,
        evidenceEn: p.en,
      })),
      evidenceZh: ps.flatMap((p) => p.zh),
      evidenceEn: ps.flatMap((p) => p.en),
      ...(m ? { note: m.note, by: m.by, at: m.at } : {}),
    };
  });
  return {
    district,
    nameZh: d.nameZh,
    nameEn: d.nameEn,
    year,
    total: round1(items.reduce((a, i) => a + (i.score ?? 0), 0)),
    max: FORM_ITEMS.reduce((a, i) => a + i.max, 0),
    complete: items.every((i) => i.score !== null),
    items,
  };
}

/** The years a form exists for: from the first station's year to the current one. */
export function formYears(stations: readonly Station[], currentYear: number): number[] {
  const first = Math.min(PLAN_YEARS[0], ...stations.map((s) => s.yearBuilt));
  return Array.from({ length: Math.max(0, currentYear - first + 1) }, (_, i) => first + i);
}
