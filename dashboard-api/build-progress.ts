import { z } from 'zod';
import { CITY_TARGETS, DISTRICTS, PLAN_YEARS, type DistrictCode } from '../domain/districts.js';
import type { Station } from '../domain/station.js';

const YearRowSchema = z.object({ year: z.number().int(), built: z.number().int(), cumulative: z.number().int(), target: z.number().int().nullable() });

export const BuildProgressSchema = z
  .object({
    city: z
      .object({
        years: z.array(YearRowSchema),
        total: z.number().int(),
        totalTarget: z.number().int(),
        notes: z
          .array(z.object({ zh: z.string(), en: z.string() }))
          .describe(
            "Why figures differ from the plan's text: its 2019 table sums to more than the text says, and a later year builds less where an earlier one built more",
          ),
      })
      .nullable()
      .describe('null for a district maintainer'),
    districts: z.array(z.object({ code: z.string(), nameZh: z.string(), nameEn: z.string(), years: z.array(YearRowSchema) })),
  })
  .meta({ id: 'BuildProgress' });
export type BuildProgress = z.infer<typeof BuildProgressSchema>;

function years(stations: readonly Station[], target: (y: (typeof PLAN_YEARS)[number]) => number | null): Array<z.infer<typeof YearRowSchema>> {
  let cumulative = 0;
  return PLAN_YEARS.map((year) => {
    const built = stations.filter((s) => s.yearBuilt === year).length;
    cumulative += built;
    return { year, built, cumulative, target: target(year) };
  });
}

/**
 * The plan's own arithmetic, said where it shows: the 2019 table (附件1) sums to 105 though the text
 * says 100, and a year that builds less than its target because earlier years built more (the fleet
 * holds at the plan's 600: 2021 builds 295 of 300).
 */
function notes(years: ReadonlyArray<z.infer<typeof YearRowSchema>>): Array<{ zh: string; en: string }> {
  const out: Array<{ zh: string; en: string }> = [];
  for (const y of PLAN_YEARS) {
    const table = DISTRICTS.reduce<number | null>((a, d) => (a === null || d.targets[y] === null ? null : a + d.targets[y]!), 0);
    if (table !== null && table !== CITY_TARGETS[y])
      out.push({
        zh: `规划正文${y}年目标为${CITY_TARGETS[y]}座，附件1分配表各单位合计${table}座：按分配表建设`,
        en: `the plan's text sets ${CITY_TARGETS[y]} for ${y}, its table (附件1) per unit sums to ${table}: the table is followed`,
      });
  }
  let cumulativeTarget = 0;
  for (const row of years) {
    cumulativeTarget += row.target ?? 0;
    const before = row.cumulative - row.built;
    if (row.target !== null && row.built < row.target && row.cumulative >= cumulativeTarget)
      out.push({
        zh: `${row.year}年新建${row.built}座，少于当年目标${row.target}座：此前已建${before}座，累计${row.cumulative}座已达累计目标${cumulativeTarget}座`,
        en: `${row.year} built ${row.built} of its ${row.target}: ${before} were built before, so the ${row.cumulative} in all meet the cumulative target of ${cumulativeTarget}`,
      });
  }
  return out;
}

/** Stations registered per plan year against the plan's targets (per unit where the plan gives one). */
export function buildProgress(stations: readonly Station[], districts: readonly DistrictCode[], withCity: boolean): BuildProgress {
  return {
    city: withCity
      ? (() => {
          const rows = years(stations, (y) => CITY_TARGETS[y]);
          return { years: rows, total: stations.length, totalTarget: PLAN_YEARS.reduce((a, y) => a + CITY_TARGETS[y], 0), notes: notes(rows) };
        })()
      : null,
    districts: DISTRICTS.filter((d) => districts.includes(d.code)).map((d) => ({
      code: d.code,
      nameZh: d.nameZh,
      nameEn: d.nameEn,
      years: years(
        stations.filter((s) => s.district === d.code),
        (y) => d.targets[y],
      ),
    })),
  };
}
