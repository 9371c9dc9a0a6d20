import { z } from 'zod';
import { CITY_TARGETS, DISTRICTS, PLAN_YEARS, type DistrictCode } from '../domain/districts.js';
import type { Station } from '../domain/station.js';

const YearRowSchema = z.object({ year: z.number().int(), built: z.number().int(), cumulative: z.number().int(), target: z.number().int().nullable() });

export const BuildProgressSchema = z
  .object({
    city: z
      .object({ years: z.array(YearRowSchema), total: z.number().int(), totalTarget: z.number().int() })
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

/** Stations registered per plan year against the plan's targets (per unit where the plan gives one). */
export function buildProgress(stations: readonly Station[], districts: readonly DistrictCode[], withCity: boolean): BuildProgress {
  return {
    city: withCity
      ? { years: years(stations, (y) => CITY_TARGETS[y]), total: stations.length, totalTarget: PLAN_YEARS.reduce((a, y) => a + CITY_TARGETS[y], 0) }
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
