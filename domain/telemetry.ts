import { z } from 'zod';
import { APPLIANCES, type Appliance, type EquipmentItem } from './equipment.js';
import type { Registry } from './registry.js';
import { StationIdSchema, StationSchema, type Station } from './station.js';
import { parseTelemetryTopic, type Channel } from './topics.js';

// One zod schema per message: the TypeScript types, the validation and the docs (docs/telemetry.md) all come from here.

/** Earliest timestamp accepted: the plan starts in 2019; backfills replay history but not before that. */
export const EARLIEST_TS = Date.UTC(2019, 0, 1);
/** How far ahead of the platform's clock a device clock may run. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/**
 * How long a station may hold samples back (store-and-forward after an outage) and still send them as live
 * telemetry: a device buffers at most about 10,000 messages, some 6 days at its usual ~70 per hour. Older samples
 * would rewrite history (same series and time: the last write wins), so live ingest refuses them (ingest/config.ts).
 */
export const STORE_AND_FORWARD_HORIZON_MS = 7 * 86_400_000;
/** Largest payload the broker accepts and the ingest decodes. */
export const MAX_PAYLOAD_BYTES = 4096;

/**
 * A schema's own rejection reason for an issue that is neither a malformed field (`schema`) nor a
 * value out of range (`out_of_range`), carried in the zod issue's params.
 */
const tagged = (reason: RejectReason) => ({ reason });

const ts = z.number().int().min(EARLIEST_TS).describe('Sample time, epoch milliseconds (UTC)');
const count = z.number().int().min(0).max(10_000);

/** Whether a station is online is implied by why it reports: a heartbeat or boot is online, a shutdown or Last Will is not. */
export const ONLINE_BY_REASON = { boot: true, heartbeat: true, shutdown: false, lwt: false } as const;

export const StatusSchema = z
  .strictObject({
    station: StationIdSchema,
    ts: ts.optional().describe('Absent only in the Last Will (reason lwt), which the broker publishes for the station; the receive time is used'),
    online: z.boolean(),
    reason: z.enum(['boot', 'heartbeat', 'shutdown', 'lwt']),
    uptimeS: z
      .number()
      .int()
      .min(0)
      .max(10 * 365 * 86_400)
      .optional(),
    wifiRssiDbm: z.number().int().min(-120).max(0).optional().describe('Wi-Fi gateway signal; absent when the link is down'),
    fw: z
      .string()
      .regex(/^[\w.+-]{1,32}$/)
      .optional(),
  })
  .superRefine((s, ctx) => {
    // The broker publishes the Last Will long after the station set it, so only it cannot carry a sample time.
    if (s.ts === undefined && s.reason !== undefined && s.reason !== 'lwt') {
      ctx.addIssue({ code: 'custom', path: ['ts'], message: `ts is required (only the Last Will, reason "lwt", may omit it)`, params: tagged('schema') });
    }
    const expected = ONLINE_BY_REASON[s.reason];
    if (typeof s.online === 'boolean' && expected !== undefined && s.online !== expected) {
      ctx.addIssue({ code: 'custom', path: ['online'], message: `online:${s.online} contradicts reason "${s.reason}"`, params: tagged('contradictory') });
    }
  });

export const ServiceSchema = z.strictObject({
  station: StationIdSchema,
  ts,
  open: z.boolean().describe('Open for service (staffed/unlocked per the schedule)'),
  door: z.enum(['open', 'closed']),
});

/**
 * A room may be over its rated (fire-safety) capacity — the rules alert on that — but not by this
 * factor: more people than this many times the capacity is a broken sensor, not a crowd.
 */
export const PHYSICAL_OCCUPANCY_FACTOR = 3;
/** The most people a station's room can physically hold; above it the reading is `out_of_range`. */
export const maxPlausiblePeople = (station: Pick<Station, 'capacity'>): number => station.capacity * PHYSICAL_OCCUPANCY_FACTOR;
const MAX_CAPACITY = StationSchema.shape.capacity.maxValue!;

export const OccupancySchema = z.strictObject({
  station: StationIdSchema,
  ts,
  people: z
    .number()
    .int()
    .min(0)
    .max(MAX_CAPACITY * PHYSICAL_OCCUPANCY_FACTOR)
    .describe(`People inside now; at most ${PHYSICAL_OCCUPANCY_FACTOR}× the station's registered capacity`),
  entries: count.describe('Entries since the previous occupancy message'),
});

export const FAULT_CODE_PATTERN = /^[A-Z0-9_]{1,16}$/;

/** Fields only one kind of appliance reports; on any other they are refused (`schema`). */
export const APPLIANCE_SPECIFIC_FIELDS = {
  tempC: 'fridge',
  heating: 'water_dispenser',
  energyWh: 'power_strip',
  openDoors: 'lockers',
} as const satisfies Record<string, Appliance>;

export const ApplianceSchema = z
  .strictObject({
    station: StationIdSchema,
    ts,
    appliance: z.enum(APPLIANCES),
    on: z.boolean(),
    powerW: z.number().min(0).max(5000),
    faultCode: z.string().regex(FAULT_CODE_PATTERN).nullable().describe('Device fault code, null when healthy'),
    tempC: z.number().min(-40).max(60).optional().describe('Fridge compartment temperature'),
    heating: z.boolean().optional().describe('Water dispenser heating element on'),
    energyWh: z.number().min(0).max(1e9).optional().describe('Power strip cumulative energy'),
    openDoors: z.number().int().min(0).max(100).optional().describe('Lockers with an open door'),
  })
  .superRefine((a, ctx) => {
    for (const [field, owner] of Object.entries(APPLIANCE_SPECIFIC_FIELDS)) {
      if (field in a && a.appliance !== owner)
        ctx.addIssue({ code: 'custom', path: [field], message: `${field} is reported by a ${owner} only, not by a ${a.appliance}` });
    }
  });

export const SPEAKER_CATEGORIES = ['news_policy', 'qa', 'learning', 'relaxation', 'life_services'] as const;
export type SpeakerCategory = (typeof SPEAKER_CATEGORIES)[number];

export const SpeakerSchema = z.strictObject({
  station: StationIdSchema,
  ts,
  online: z.boolean(),
  wakeups: count.describe('Wake-ups since the previous speaker message'),
  queries: z.strictObject(Object.fromEntries(SPEAKER_CATEGORIES.map((c) => [c, count])) as Record<SpeakerCategory, typeof count>),
});

export const PAYLOAD_SCHEMAS = {
  status: StatusSchema,
  service: ServiceSchema,
  occupancy: OccupancySchema,
  appliance: ApplianceSchema,
  speaker: SpeakerSchema,
} as const satisfies Record<Channel, z.ZodType>;

export type StatusPayload = z.infer<typeof StatusSchema>;
export type ServicePayload = z.infer<typeof ServiceSchema>;
export type OccupancyPayload = z.infer<typeof OccupancySchema>;
export type AppliancePayload = z.infer<typeof ApplianceSchema>;
export type SpeakerPayload = z.infer<typeof SpeakerSchema>;

/** A validated message; `ts` is always set (the receive time for a Last Will). */
export type Telemetry =
  | { channel: 'status'; stationId: string; ts: number; data: StatusPayload }
  | { channel: 'service'; stationId: string; ts: number; data: ServicePayload }
  | { channel: 'occupancy'; stationId: string; ts: number; data: OccupancyPayload }
  | { channel: 'appliance'; stationId: string; ts: number; data: AppliancePayload }
  | { channel: 'speaker'; stationId: string; ts: number; data: SpeakerPayload };

export const REJECT_REASONS = [
  'bad_topic',
  'too_large',
  'bad_json',
  'schema',
  'out_of_range',
  'unknown_station',
  'topic_mismatch',
  /** An appliance or speaker the station does not have, or has only as inspection-attested, in the registry. */
  'not_equipped',
  /** A status whose `online` contradicts its `reason` (online:false heartbeat, online:true Last Will). */
  'contradictory',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type Decoded = { ok: true; message: Telemetry } | { ok: false; reason: RejectReason; detail: string };

const reject = (reason: RejectReason, detail: string): Decoded => ({ ok: false, reason, detail });

/** A malformed field outweighs a schema's own reason, which outweighs a value out of range. */
function issuesReason(issues: readonly z.core.$ZodIssue[]): RejectReason {
  const own = (i: z.core.$ZodIssue): RejectReason | undefined =>
    i.code === 'custom' ? (i.params as { reason?: RejectReason } | undefined)?.reason : undefined;
  const range = (i: z.core.$ZodIssue): boolean => i.code === 'too_big' || i.code === 'too_small';
  if (issues.some((i) => !range(i) && !own(i))) return 'schema';
  return issues.map(own).find((r) => r !== undefined) ?? 'out_of_range';
}

/**
 * Validates one MQTT message against the telemetry contract. Pure: `now` is passed in.
 * Reasons are distinct so operators can tell a broken device (schema) from a sensor
 * reading nonsense (out_of_range) from a misconfigured one (topic_mismatch, unknown_station).
 */
export function decodeTelemetry(topic: string, payload: Uint8Array, registry: Registry, now: number): Decoded {
  const address = parseTelemetryTopic(topic);
  if (!address) return reject('bad_topic', `not a telemetry topic: ${topic.slice(0, 120)}`);
  if (payload.byteLength > MAX_PAYLOAD_BYTES) return reject('too_large', `${payload.byteLength} bytes > ${MAX_PAYLOAD_BYTES}`);

  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (e) {
    return reject('bad_json', (e as Error).message);
  }

  const parsed = PAYLOAD_SCHEMAS[address.channel].safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
    return reject(issuesReason(parsed.error.issues), detail);
  }
  const data = parsed.data;

  if (data.station !== address.stationId) return reject('topic_mismatch', `payload station ${data.station} on topic of ${address.stationId}`);
  if (address.channel === 'appliance' && (data as AppliancePayload).appliance !== address.appliance) {
    return reject('topic_mismatch', `payload appliance ${(data as AppliancePayload).appliance} on topic of ${address.appliance}`);
  }
  const station = registry.get(address.stationId);
  if (!station) return reject('unknown_station', `station ${address.stationId} is not in the registry`);

  const device: EquipmentItem | null = address.channel === 'appliance' ? address.appliance! : address.channel === 'speaker' ? 'ai_speaker' : null;
  if (device && station.equipment[device] !== 'telemetry') {
    const has = station.equipment[device] === 'inspection' ? 'has it only as inspection-attested' : 'does not have it';
    return reject('not_equipped', `${device} from ${station.id}, which ${has} in the registry`);
  }
  if (address.channel === 'occupancy' && (data as OccupancyPayload).people > maxPlausiblePeople(station)) {
    return reject('out_of_range', `people ${(data as OccupancyPayload).people} > ${PHYSICAL_OCCUPANCY_FACTOR} × capacity ${station.capacity} of ${station.id}`);
  }

  const sampleTs = data.ts ?? now;
  if (sampleTs > now + MAX_CLOCK_SKEW_MS) return reject('out_of_range', `ts ${sampleTs} is ${Math.round((sampleTs - now) / 1000)} s in the future`);

  return { ok: true, message: { channel: address.channel, stationId: address.stationId, ts: sampleTs, data } as Telemetry };
}
