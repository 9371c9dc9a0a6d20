import { z } from 'zod';
import { DISTRICT_CODES } from '../../domain/districts.js';
import { SELF_CHECK_STATES, SELF_CHECK_STEPS, selfCheckDueDate, selfCheckLate, type SelfCheckStep } from '../../domain/self-check.js';
import type { Api } from '../api-routes.js';
import { assertCanSee, scopeDistrict } from '../auth/scope.js';
import { EVERYONE } from '../auth/users.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-errors.js';
import { districtForm, FormYearSchema, formYear } from './compliance-routes.js';

// The self-check cycle (issue 11 item 2): the district's maintainer submits its self-check (the
// acceptance form as it stands is kept with it); city staff return it with the reason, or accept it.
// Every step is audited; each role may take only its own steps.

const year = FormYearSchema;
const Params = z.strictObject({ district: z.enum(DISTRICT_CODES), year });

export const SelfCheckSchema = z
  .object({
    district: z.string(),
    year: z.number(),
    state: z.enum(SELF_CHECK_STATES),
    dueBy: z.string().describe('Local date the plan wants it submitted by (before July)'),
    late: z.boolean().describe('Not submitted when 1 July began, or submitted after that (judged on the submission it holds)'),
    submittedBy: z.string().optional(),
    submittedAt: z.number().optional(),
    submittedForm: z.unknown().optional().describe('The acceptance form as submitted'),
    reviewedBy: z.string().optional(),
    reviewedAt: z.number().optional(),
    reviewComment: z.string().optional(),
  })
  .meta({ id: 'SelfCheck' });
export type SelfCheck = z.infer<typeof SelfCheckSchema>;

const BODIES: Record<SelfCheckStep, z.ZodObject> = {
  submit: z.strictObject({}),
  return: z.strictObject({ comment: z.string().trim().min(1, 'say what to correct').max(1000) }),
  accept: z.strictObject({ comment: z.string().trim().max(1000).optional() }),
};
const SUMMARY: Record<SelfCheckStep, string> = {
  submit: "Submit the district's self-check (its own district maintainer)",
  return: 'Return a submitted self-check with what to correct (city staff)',
  accept: 'Accept a submitted self-check (city staff)',
};

export function selfCheckRoutes(api: Api, ctx: ApiContext): void {
  const withDue = <T extends { year: number; submittedAt?: number }>(s: T) => ({
    ...s,
    dueBy: selfCheckDueDate(s.year),
    late: selfCheckLate(s.year, s.submittedAt, ctx.now()),
  });

  api.route({
    method: 'get',
    path: '/api/self-checks',
    tag: 'compliance',
    summary: 'Self-check state of every district (a maintainer: their own) for a year',
    roles: EVERYONE,
    query: z.strictObject({ year, district: z.enum(DISTRICT_CODES).optional() }),
    response: z.array(SelfCheckSchema),
    async handler({ user, query }) {
      const district = scopeDistrict(user, query.district);
      const y = formYear(ctx, query.year);
      const stored = new Map((await ctx.selfChecks.list(y)).map((s) => [s.district, s]));
      return DISTRICT_CODES.filter((d) => !district || d === district).map((d) => withDue(stored.get(d) ?? { district: d, year: y, state: 'draft' as const }));
    },
  });

  api.route({
    method: 'get',
    path: '/api/self-checks/:district/:year',
    tag: 'compliance',
    summary: 'One district self-check, with the form as submitted',
    roles: EVERYONE,
    params: Params,
    response: SelfCheckSchema,
    async handler({ user, params }) {
      assertCanSee(user, params.district, 'this self-check');
      return withDue(await ctx.selfChecks.get(params.district, formYear(ctx, params.year)));
    },
  });

  for (const step of Object.keys(SELF_CHECK_STEPS) as SelfCheckStep[]) {
    const rule = SELF_CHECK_STEPS[step];
    api.route({
      method: 'post',
      path: `/api/self-checks/:district/:year/${step}`,
      tag: 'compliance',
      summary: SUMMARY[step],
      roles: [rule.role],
      params: Params,
      body: BODIES[step],
      response: SelfCheckSchema,
      async handler({ user, params, body }) {
        assertCanSee(user, params.district, 'this self-check');
        formYear(ctx, params.year);
        const comment = (body as { comment?: string }).comment;
        const at = ctx.now();
        const form = step === 'submit' ? await districtForm(ctx, params.district, params.year) : undefined;
        const next = await ctx.selfChecks.step(params.district, params.year, step, {
          by: user.username,
          at,
          ...(comment ? { comment } : {}),
          ...(form ? { form } : {}),
        });
        if (!next) {
          const now = await ctx.selfChecks.get(params.district, params.year);
          throw new HttpError(
            409,
            'conflict',
            `the ${params.district} ${params.year} self-check is ${now.state}: it cannot be ${rule.to} (needs ${rule.from.join(' or ')})`,
          );
        }
        await ctx.audit.append({
          at,
          user: user.username,
          role: user.role,
          action: `self_check_${step}`,
          district: params.district,
          target: `${params.district}:${params.year}:self-check`,
          detail: { state: next.state, ...(comment ? { comment } : {}), ...(form ? { total: form.total } : {}) },
        });
        return withDue(next);
      },
    });
  }
}
