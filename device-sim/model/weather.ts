import { createRng } from '../../domain/random.js';
import { localDateOf, localHour } from '../../domain/schedule.js';

// City-wide weather for Qingdao, a pure function of (seed, time): the same seed gives the same
// rainy days whatever the simulation step, so occupancy and appliance patterns are reproducible.

/** Monthly mean air temperature in Qingdao (°C), January first (climate normals, rounded). */
const MONTHLY_MEAN_C = [-0.5, 1.2, 5.5, 11, 16.5, 20.5, 24, 25.5, 22, 16, 9, 2.5] as const;
/** Share of days with rain per month: the summer monsoon (July, August) is the wet season. */
const RAIN_DAY_SHARE = [0.1, 0.1, 0.12, 0.15, 0.18, 0.25, 0.4, 0.35, 0.2, 0.15, 0.12, 0.1] as const;

export interface Weather {
  /** Outdoor air temperature, °C. */
  tempC: number;
  raining: boolean;
}

interface Day {
  meanC: number;
  rain: readonly [startH: number, endH: number] | null;
}

const days = new Map<string, Day>();

function dayOf(seed: number, date: string): Day {
  const key = `${seed}:${date}`;
  let day = days.get(key);
  if (!day) {
    const rng = createRng(`weather:${key}`);
    const month = Number(date.slice(5, 7)) - 1;
    const startH = rng.float(0, 20);
    day = {
      meanC: MONTHLY_MEAN_C[month]! + rng.normal(0, 2.5),
      rain: rng.chance(RAIN_DAY_SHARE[month]!) ? [startH, startH + rng.float(2, 10)] : null,
    };
    if (days.size > 5000) days.clear();
    days.set(key, day);
  }
  return day;
}

export function weatherAt(seed: number, t: number): Weather {
  const day = dayOf(seed, localDateOf(t));
  const h = localHour(t);
  // Warmest around 14:00, coolest around 02:00.
  const tempC = day.meanC + 4 * Math.cos(((h - 14) / 24) * 2 * Math.PI);
  const raining = day.rain !== null && h >= day.rain[0] && h < day.rain[1];
  return { tempC, raining };
}

/** Temperature inside a station: buffered towards 18 °C, kept above 16 °C by Qingdao's winter central heating. */
export function indoorTempC(outdoorC: number): number {
  return Math.min(32, Math.max(16, 18 + (outdoorC - 18) * 0.6));
}
