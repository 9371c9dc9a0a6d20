import { z } from 'zod';
import { DISTRICT_CODES } from '../../domain/districts.js';
import { localDateOf } from '../../domain/schedule.js';
import { ACCEPTANCE_RESULTS, STATION_ACCEPTANCE_STEPS, SUBSIDY_STATES, type StationAcceptanceStep } from '../../domain/station-acceptance.js';
import type { Api } from '../api-routes.js';
import { scopeDistrict } from '../auth/scope.js';
import { EVERYONE, type User } from '../auth/users.js';
import { type ApiContext, visibleStation } from '../context.js';
import { HttpError } from '../http-errors.js';
import type { StationAcceptance } from '../station-acceptance-store.js';
import { FormYearSchema, formYear } from './compliance-routes.js';

// The yearly round per station (issue 11 item 2): the district maintainer puts stations forward
// (nominates) or withdraws them; city staff record the September result (accepted, or rectify by a
// date), the plaque (挂牌: name, date) and the subsidy. Each role only its own steps; every step audited.

const date = z.iso.date().describe('Local date, YYYY-MM-DD');
const Params = z.strictObject({ year: FormYearSchema, stationId: z.string().regex(/^[A-Z]{2,3}-\d{4}$/, 'expected a station id like SN-0001') });

export const StationAcceptanceSchema = z
  .object({
    year: z.number().int(),
    stationId: z.string(),
    district: z.string(),
    name: z.string(),
    nominatedBy: z.string(),
    nominatedAt: z.number(),
    nominationNote: z.string(),
    result: z
      .object({ outcome: z.enum(ACCEPTANCE_RESULTS), rectifyBy: z.string().optional(), note: z.string(), by: z.string(), at: z.number() })
      .optional()
      .describe('The September acceptance: accepted, or rectify by a date'),
    plaque: z.object({ name: z.string(), on: z.string(), by: z.string() }).optional().describe('统一挂牌: the name on the plaque and its date'),
    subsidy: z.object({ state: z.enum(SUBSIDY_STATES), yuan: z.number(), by: z.string(), at: z.number() }).optional(),
  })
  .meta({ id: 'StationAcceptance' });
/** One row of GET /api/station-acceptances (the web app types its table with it). */
export type StationAcceptanceRow = z.infer<typeof StationAcceptanceSchema>;

const BODIES = {
  nominate: z.strictObject({ note: z.string().trim().max(500).default('') }),
  withdraw: z.strictObject({}),
  result: z.discriminatedUnion('outcome', [
    z.strictObject({ outcome: z.literal('accepted'), note: z.string().trim().max(1000).default('') }),
    z.strictObject({
      outcome: z.literal('rectify'),
      rectifyBy: date.describe('Date the station must be put right by'),
      note: z.string().trim().min(1, 'say what to rectify').max(1000),
    }),
  ]),
  plaque: z.strictObject({ name: z.string().trim().min(2).max(80).describe('The name on the plaque'), on: date.describe('Date it was put up') }),
  subsidy: z.strictObject({ state: z.enum(SUBSIDY_STATES), yuan: z.number().int().min(0).max(10_000_000) }),
} satisfies Record<StationAcceptanceStep, z.ZodType>;

const SUMMARY: Record<StationAcceptanceStep, string> = {
  nominate: 'Put a station forward for the year’s acceptance, or update its note (its district maintainer; before a result)',
  withdraw: 'Withdraw a nomination not decided yet (its district maintainer)',
  result: 'Record the September acceptance of a nominated station: accepted, or rectify by a date (city staff)',
  plaque: 'Record the plaque (挂牌) of an accepted station: its name and date (city staff)',
  subsidy: 'Record the subsidy of an accepted station: granted or paid, in yuan (city staff)',
};

export function stationAcceptanceRoutes(api: Api, ctx: ApiContext): void {
  const named = (a: StationAcceptance) => ({ ...a, name: ctx.registry.get(a.stationId)?.name ?? '' });

  api.route({
    method: 'get',
    path: '/api/station-acceptances',
    tag: 'compliance',
    summary: 'Stations put forward for a year’s acceptance, with their result, plaque and subsidy (a maintainer: their district)',
    roles: EVERYONE,
    query: z.strictObject({ year: FormYearSchema, district: z.enum(DISTRICT_CODES).optional() }),
    response: z.array(StationAcceptanceSchema),
    async handler({ user, query }) {
      const district = scopeDistrict(user, query.district);
      return (await ctx.stationAcceptances.list({ year: formYear(ctx, query.year), ...(district ? { district } : {}) })).map(named);
    },
  });

  const run = async (step: StationAcceptanceStep, user: User, year: number, stationId: string, body: any): Promise<StationAcceptance | null> => {
    const s = ctx.stationAcceptances;
    const at = ctx.now();
    switch (step) {
      case 'nominate':
        return s.nominate(year, { stationId, district: ctx.registry.get(stationId)!.district, by: user.username, at, note: body.note });
      case 'withdraw': {
        const before = await s.get(year, stationId);
        return before && (await s.withdraw(year, stationId)) ? before : null;
      }
      case 'result':
        if (body.outcome === 'rectify' && body.rectifyBy <= localDateOf(at))
          throw new HttpError(400, 'invalid_request', 'rectifyBy must be after today', [{ path: 'body.rectifyBy', message: 'after today' }]);
        return s.decide(year, stationId, {
          outcome: body.outcome,
          ...(body.rectifyBy ? { rectifyBy: body.rectifyBy } : {}),
          note: body.note,
          by: user.username,
          at,
        });
      case 'plaque':
        return s.plaque(year, stationId, { name: body.name, on: body.on, by: user.username });
      case 'subsidy':
        return s.subsidy(year, stationId, { state: body.state, yuan: body.yuan, by: user.username, at });
    }
  };

  for (const step of Object.keys(STATION_ACCEPTANCE_STEPS) as StationAcceptanceStep[]) {
    const rule = STATION_ACCEPTANCE_STEPS[step];
    api.route({
      method: step === 'withdraw' ? 'delete' : 'post',
      path:
        step === 'withdraw'
          ? '/api/station-acceptances/:year/:stationId/nomination'
          : `/api/station-acceptances/:year/:stationId/${step === 'nominate' ? 'nomination' : step}`,
      tag: 'compliance',
      summary: SUMMARY[step],
      roles: [rule.role],
      params: Params,
      body: BODIES[step],
      response: step === 'withdraw' ? z.object({ withdrawn: z.literal(true) }) : StationAcceptanceSchema,
      async handler({ user, params, body }) {
        const station = visibleStation(ctx.registry, user, params.stationId);
        const year = formYear(ctx, params.year);
        if (station.yearBuilt > year)
          throw new HttpError(400, 'invalid_request', `${station.id} was built in ${station.yearBuilt}`, [
            { path: 'params.year', message: `from ${station.yearBuilt}` },
          ]);
        const next = await run(step, user, year, station.id, body);
        if (next === null) {
          const now = await ctx.stationAcceptances.get(year, station.id);
          throw new HttpError(
            409,
            'conflict',
            `${station.id} ${year}: ${step} needs ${rule.needs} (now: ${now ? (now.result?.outcome ?? 'nominated') : 'not nominated'})`,
          );
        }
        await ctx.audit.append({
          at: ctx.now(),
          user: user.username,
          role: user.role,
          action: `station_${step}`,
          district: station.district,
          target: `${station.id}:${year}:acceptance`,
          detail: body as Record<string, unknown>,
        });
        return step === 'withdraw' ? { withdrawn: true as const } : named(next!);
      },
    });
  }
}
