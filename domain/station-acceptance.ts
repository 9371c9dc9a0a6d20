// The plan's yearly round per station (六、检查验收): a district puts stations forward (nominates)
// after its self-check; the city's acceptance team visits in September and records each one as
// accepted, or to be rectified by a date; an accepted station is plaqued (统一挂牌, with its name)
// and given a subsidy. The district takes the nominating steps, city staff the rest.

export const ACCEPTANCE_RESULTS = ['accepted', 'rectify'] as const;
export type AcceptanceResult = (typeof ACCEPTANCE_RESULTS)[number];

export const SUBSIDY_STATES = ['granted', 'paid'] as const;
export type SubsidyState = (typeof SUBSIDY_STATES)[number];

/** Each step, the role that takes it, and what it needs of the station's record first. */
export const STATION_ACCEPTANCE_STEPS = {
  nominate: { role: 'district-maintainer', needs: 'no result yet' },
  withdraw: { role: 'district-maintainer', needs: 'nominated, no result yet' },
  result: { role: 'city-admin', needs: 'nominated' },
  plaque: { role: 'city-admin', needs: 'accepted' },
  subsidy: { role: 'city-admin', needs: 'accepted' },
} as const;
export type StationAcceptanceStep = keyof typeof STATION_ACCEPTANCE_STEPS;

/** The month the city's acceptance team visits (the plan: 每年9月份验收). */
export const ACCEPTANCE_MONTH = 9;
