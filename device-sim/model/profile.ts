import { z } from 'zod';
import { createRng } from '../../domain/random.js';
import type { Station } from '../../domain/station.js';

// How a simulated station behaves beyond its registry entry: whether its staff keep the
// schedule, how flaky its link and power are. Shares are configurable so a test or a demo can
// produce exactly the cases the "open all year round" rule has to catch.

export const BEHAVIOURS = ['normal', 'late_opener', 'early_closer', 'closes_for_days'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export const BehaviourSharesSchema = z
  .strictObject({
    lateOpener: z.number().min(0).max(1).default(0.05).describe('Share of stations that often open 30-120 min late'),
    earlyCloser: z.number().min(0).max(1).default(0.05).describe('Share of stations that often close 30-120 min early'),
    closesForDays: z.number().min(0).max(1).default(0.03).describe('Share of stations that now and then stay closed for 2-5 days'),
    wifiDropsPerDay: z.number().min(0).max(100).default(0.3).describe('Mean Wi-Fi drops per station and day (flaky stations: 10x)'),
    powerOutagesPerMonth: z.number().min(0).max(100).default(0.3).describe('Mean power outages per station and month (flaky stations: 10x)'),
    flaky: z.number().min(0).max(1).default(0.05).describe('Share of stations with a flaky link and power supply'),
  })
  .refine((s) => s.lateOpener + s.earlyCloser + s.closesForDays <= 1, 'the behaviour shares must add up to at most 1');
export type BehaviourShares = z.infer<typeof BehaviourSharesSchema>;

export const DEFAULT_SHARES: BehaviourShares = BehaviourSharesSchema.parse({});

/** Shares for a fleet that keeps every schedule and never loses link or power. */
export const PERFECT_SHARES: BehaviourShares = {
  lateOpener: 0,
  earlyCloser: 0,
  closesForDays: 0,
  wifiDropsPerDay: 0,
  powerOutagesPerMonth: 0,
  flaky: 0,
};

export interface StationProfile {
  behaviour: Behaviour;
  wifiDropsPerDay: number;
  powerOutagesPerDay: number;
  /** Typical Wi-Fi signal at this site. */
  rssiDbm: number;
  fw: string;
}

const FIRMWARE = ['2.3.1', '2.3.4', '2.4.0'] as const;

/**
 * The profile of one station: a pure function of (seed, station id, shares), so one station
 * keeps its character when the fleet is resized.
 */
export function stationProfile(seed: number, station: Station, shares: BehaviourShares): StationProfile {
  const rng = createRng(`profile:${seed}:${station.id}`);
  const u = rng.next();
  const behaviour: Behaviour =
    u < shares.lateOpener
      ? 'late_opener'
      : u < shares.lateOpener + shares.earlyCloser
        ? 'early_closer'
        : u < shares.lateOpener + shares.earlyCloser + shares.closesForDays
          ? 'closes_for_days'
          : 'normal';
  const flakiness = rng.chance(shares.flaky) ? 10 : 1;
  return {
    behaviour,
    wifiDropsPerDay: shares.wifiDropsPerDay * flakiness,
    powerOutagesPerDay: (shares.powerOutagesPerMonth / 30) * flakiness,
    rssiDbm: rng.int(-78, -42),
    fw: rng.pick(FIRMWARE),
  };
}
