import { midnightOfDate } from './schedule.js';

// The district self-check cycle of the plan (附件2): a district fills and submits its self-check
// before July; city staff return it (with the reason) or accept it. Each role takes only its own steps.

export const SELF_CHECK_STATES = ['draft', 'submitted', 'returned', 'accepted'] as const;
export type SelfCheckState = (typeof SELF_CHECK_STATES)[number];

export const SELF_CHECK_STEPS = {
  submit: { from: ['draft', 'returned'], to: 'submitted', role: 'district-maintainer' },
  return: { from: ['submitted'], to: 'returned', role: 'city-admin' },
  accept: { from: ['submitted'], to: 'accepted', role: 'city-admin' },
} as const satisfies Record<string, { from: readonly SelfCheckState[]; to: SelfCheckState; role: string }>;
export type SelfCheckStep = keyof typeof SELF_CHECK_STEPS;

/** The plan: districts self-check before July (the report to the city follows by the end of August). */
export const selfCheckDueDate = (year: number): string => `${year}-06-30`;

/**
 * Late at `now`: not submitted when 1 July of its year began (Qingdao time), or submitted after that.
 * Judged on the submission the self-check holds (a resubmission after a return replaces the first);
 * one made after `now` (a report on a past month) was not there yet.
 */
export function selfCheckLate(year: number, submittedAt: number | undefined, now: number): boolean {
  const deadline = midnightOfDate(`${year}-07-01`);
  return (submittedAt !== undefined && submittedAt <= now ? submittedAt : now) >= deadline;
}
