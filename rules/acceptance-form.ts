import { z } from 'zod';
import type { ComplianceSnapshot } from '../domain/alerts.js';
import { districtByCode, PLAN_YEARS, type DistrictCode, type PlanYear } from '../domain/districts.js';
import { MAX_TOILET_DISTANCE_M, MIN_AREA_M2 } from '../domain/equipment.js';
import type { Station } from '../domain/station.js';
import { complianceOf, coverageOf, pooledTime } from './compliance.js';

// The acceptance self-check form (附件2): 10 items, 100 points. Items the registry and the
// telemetry can evidence are scored here with their evidence; the rest are scored by city staff,
// and so is an evidenced item whose evidence does not cover it all (never a guessed score). Pure:
// the dashboard serves it, the alerting service drafts it in July.

export interface FormItemDef {
  no: number;
  sectionZh: string;
  sectionEn: string;
  textZh: string;
  textEn: string;
  max: number;
  /** Evidenced by the registry and telemetry: scored automatically when the evidence covers the whole item. */
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
    auto: true,
    textZh: '有合理的服务场所，交通便利，方便职工进出',
    textEn: 'A suitable, accessible site',
  },
  {
    no: 4,
    sectionZh: '基础建设',
    sectionEn: 'Infrastructure',
    max: 15,
    auto: true,
    textZh: '有醒目标识及全部基本配置（小度音箱、桌椅、书报架、饮水机、微波炉、医药箱、电源插座、打气筒、垃圾桶、雨伞）',
    textEn: 'Signage and the full equipment list',
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
    textZh: '常年正常开放、设备设施功能完好，职工满意率高',
    textEn: 'Open all year, equipment working, workers satisfied',
  },
];

export interface ManualScore {
  score: number;
  note: string;
  by: string;
  at: number;
}

export const FormItemSchema = z.object({
  no: z.number().int(),
  sectionZh: z.string(),
  sectionEn: z.string(),
  textZh: z.string(),
  textEn: z.string(),
  max: z.number(),
  auto: z.boolean().describe('Scored automatically this year; false = scored by city staff (PUT), evidence shown where there is some'),
  score: z.number().nullable().describe('null = manual item not scored yet'),
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

const round1 = (x: number): number => Math.round(x * 10) / 10;
const share = (n: number, of: number): number => (of === 0 ? 0 : n / of);
const pct = (x: number): string => `${Math.round(x * 100)}%`;

interface Evidence {
  /** null: the evidence does not cover the whole item, city staff score it. */
  score: number | null;
  zh: string[];
  en: string[];
}

function evidence(
  no: number,
  max: number,
  district: DistrictCode,
  year: PlanYear,
  stations: readonly Station[],
  compliance: ReadonlyMap<string, ComplianceSnapshot>,
): Evidence {
  const n = stations.length;
  switch (no) {
    case 2: {
      const built = stations.filter((s) => s.yearBuilt <= year).length;
      const years = PLAN_YEARS.filter((y) => y <= year);
      const targets = districtByCode(district).targets;
      // The plan splits only the 2019 pilots per unit; later years have city totals only.
      const unknown = years.filter((y) => targets[y] === null);
      if (unknown.length > 0) {
        return {
          score: null,
          zh: [`截至${year}年已建 ${built} 座`, `计划未给出本单位${unknown.join('、')}年的目标（市总目标未分解到区市），请人工评分`],
          en: [`${built} built by ${year}`, `the plan gives no target of this unit for ${unknown.join(', ')} (city totals only): score by hand`],
        };
      }
      const target = years.reduce((a, y) => a + targets[y]!, 0);
      return {
        score: max * Math.min(1, share(built, target)),
        zh: [`截至${year}年已建 ${built} 座 / 目标 ${target} 座`],
        en: [`${built} built by ${year} / target ${target}`],
      };
    }
    case 3: {
      const bad = stations.filter((s) => s.areaM2 < MIN_AREA_M2 || s.toiletDistanceM > MAX_TOILET_DISTANCE_M);
      return {
        score: max * share(n - bad.length, n),
        zh: [`${n - bad.length}/${n} 座面积≥${MIN_AREA_M2}㎡且${MAX_TOILET_DISTANCE_M}米内有公厕`, ...bad.slice(0, 10).map((s) => `不达标：${s.id} ${s.name}`)],
        en: [
          `${n - bad.length}/${n} have ≥ ${MIN_AREA_M2} m² and a toilet within ${MAX_TOILET_DISTANCE_M} m`,
          ...bad.slice(0, 10).map((s) => `failing: ${s.id}`),
        ],
      };
    }
    case 4: {
      const snaps = stations.flatMap((s) => compliance.get(s.id) ?? []);
      const mean = snaps.length ? snaps.reduce((a, c) => a + c.facility.percent, 0) / snaps.length / 100 : 0;
      const complete = snaps.filter((c) => c.facility.percent >= 100).length;
      const selfBuilt = stations.filter((s) => s.hostType === 'union_built').length;
      // No sensor sees the signage (醒目标识): the equipment figures are evidence, the score is manual.
      return {
        score: null,
        zh: [
          `设施配备平均 ${pct(mean)}，${complete}/${n} 座配备齐全（遥测＋巡检证明）`,
          `工会自建 ${selfBuilt} 座`,
          '醒目标识无法由遥测证明：请核查标识后人工评分',
        ],
        en: [
          `facility completeness ${pct(mean)} on average, ${complete}/${n} complete (telemetry + inspections)`,
          `${selfBuilt} built by the union itself`,
          'signage is not observable: check it and score by hand',
        ],
      };
    }
    case 5: {
      const ok = stations.filter((s) => s.maintainers.length >= 1).length;
      return { score: max * share(ok, n), zh: [`${ok}/${n} 座登记了维护人员`], en: [`${ok}/${n} have a registered maintainer`] };
    }
    case 7: {
      const serving = stations.filter((s) => {
        const f = compliance.get(s.id)?.facility;
        const broken = new Set([...(f?.missing ?? []), ...(f?.faulted ?? [])]);
        return s.toiletDistanceM <= MAX_TOILET_DISTANCE_M && !broken.has('water_dispenser') && !broken.has('microwave');
      }).length;
      return {
        score: max * share(serving, n),
        zh: [`${serving}/${n} 座饮水机、微波炉正常且附近有公厕`],
        en: [`${serving}/${n} with working water dispenser and microwave and a toilet nearby`],
      };
    }
    case 10: {
      const snaps = stations.flatMap((s) => compliance.get(s.id) ?? []);
      // The district's figure pools its stations' time (Σopen ÷ Σwatched scheduled), like the
      // fleet summary and the monthly report: not a mean of station ratios.
      const time = pooledTime(snaps.map((c) => c.time.yearToDate));
      const open = complianceOf(time) ?? 0;
      const watched = coverageOf(time);
      const failing = snaps.filter((c) => c.failingOpenAllYear).length;
      return {
        score: max * open,
        zh: [
          `本年度按时开放率（全区合计）${pct(open)}，监测覆盖 ${watched === null ? '—' : pct(watched)}，${failing} 座未达常年开放标准`,
          '职工满意率无法由遥测证明，未计入本项得分',
        ],
        en: [
          `year-to-date open compliance ${pct(open)} (district pooled time), monitored ${watched === null ? '—' : pct(watched)}, ${failing} failing open-all-year`,
          'worker satisfaction is not observable and not part of this score',
        ],
      };
    }
    default:
      throw new Error(`item ${no} is not scored automatically`);
  }
}

export function acceptanceForm(
  district: DistrictCode,
  year: PlanYear,
  stations: readonly Station[],
  compliance: ReadonlyMap<string, ComplianceSnapshot>,
  manual: ReadonlyMap<number, ManualScore>,
): AcceptanceForm {
  const d = districtByCode(district);
  const inScope = stations.filter((s) => s.district === district && s.yearBuilt <= year);
  const items = FORM_ITEMS.map((def) => {
    const e = def.auto ? evidence(def.no, def.max, district, year, inScope, compliance) : { score: null, zh: [], en: [] };
    if (e.score !== null) return { ...def, score: round1(e.score), evidenceZh: e.zh, evidenceEn: e.en };
    const m = manual.get(def.no);
    return { ...def, auto: false, score: m?.score ?? null, evidenceZh: e.zh, evidenceEn: e.en, ...(m ? { note: m.note, by: m.by, at: m.at } : {}) };
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
