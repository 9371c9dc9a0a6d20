import { APPLIANCES } from '../domain/equipment.js';
import type { Rng } from '../domain/random.js';
import type { Station } from '../domain/station.js';
import { MAX_PAYLOAD_BYTES, maxPlausiblePeople, type RejectReason } from '../domain/telemetry.js';
import { stationTopicPrefix, telemetryTopic } from '../domain/topics.js';

// Malformed and hostile payloads a compromised or broken station might send, each with the
// rejection reason the ingest must count for it. All use the station's own topics; the broker's ACL lets
// them through, and the ingest's validation is what is tested, except those marked `broker` (refused there).

export interface HostileMessage {
  name: string;
  topic: string;
  payload: string;
  /** The reason decodeTelemetry must give. */
  expect: RejectReason;
  /** The broker refuses it before any consumer sees it (its broker_refusals_total reason); the decoder would too. */
  broker?: 'payload_too_large' | 'not_contract_topic';
}

/** A station that is not the sender (for topic/payload mismatch); never in any registry. */
const OTHER_STATION = 'ZZ-9999';

export function hostileMessages(station: Station, ts: number): HostileMessage[] {
  const stationId = station.id;
  // An appliance the registry does not list as reporting for this station (most stations have one).
  const lacking = APPLIANCES.find((a) => station.equipment[a] !== 'telemetry');
  const status = telemetryTopic({ stationId, channel: 'status' });
  const occupancy = telemetryTopic({ stationId, channel: 'occupancy' });
  const fridge = telemetryTopic({ stationId, channel: 'appliance', appliance: 'fridge' });
  const json = (o: unknown): string => JSON.stringify(o);
  return [
    { name: 'bad json', topic: occupancy, payload: '{"station":"' + stationId + '","people":', expect: 'bad_json' },
    { name: 'not json at all', topic: status, payload: '\u0000\u00ffbinary', expect: 'bad_json' },
    { name: 'missing field', topic: occupancy, payload: json({ station: stationId, ts, people: 2 }), expect: 'schema' },
    { name: 'wrong type', topic: occupancy, payload: json({ station: stationId, ts, people: 'many', entries: 1 }), expect: 'schema' },
    { name: 'extra field', topic: occupancy, payload: json({ station: stationId, ts, people: 1, entries: 0, admin: true }), expect: 'schema' },
    { name: 'too many people', topic: occupancy, payload: json({ station: stationId, ts, people: 9999, entries: 0 }), expect: 'out_of_range' },
    {
      name: 'more people than the room holds',
      topic: occupancy,
      payload: json({ station: stationId, ts, people: maxPlausiblePeople(station) + 1, entries: 0 }),
      expect: 'out_of_range',
    },
    {
      name: 'fridge field on the microwave',
      topic: telemetryTopic({ stationId, channel: 'appliance', appliance: 'microwave' }),
      payload: json({ station: stationId, ts, appliance: 'microwave', on: true, powerW: 1000, faultCode: null, tempC: 4 }),
      expect: 'schema',
    },
    { name: 'offline heartbeat', topic: status, payload: json({ station: stationId, ts, online: false, reason: 'heartbeat' }), expect: 'contradictory' },
    { name: 'online Last Will', topic: status, payload: json({ station: stationId, online: true, reason: 'lwt' }), expect: 'contradictory' },
    ...(lacking
      ? [
          {
            name: `an appliance it does not have (${lacking})`,
            topic: telemetryTopic({ stationId, channel: 'appliance', appliance: lacking }),
            payload: json({ station: stationId, ts, appliance: lacking, on: true, powerW: 10, faultCode: null }),
            expect: 'not_equipped' as const,
          },
        ]
      : []),
    {
      name: 'fridge on fire',
      topic: fridge,
      payload: json({ station: stationId, ts, appliance: 'fridge', on: true, powerW: 90, faultCode: null, tempC: 250 }),
      expect: 'out_of_range',
    },
    { name: 'from the future', topic: occupancy, payload: json({ station: stationId, ts: ts + 86_400_000, people: 1, entries: 0 }), expect: 'out_of_range' },
    { name: 'other station in payload', topic: occupancy, payload: json({ station: OTHER_STATION, ts, people: 1, entries: 0 }), expect: 'topic_mismatch' },
    {
      name: 'appliance mismatch',
      topic: fridge,
      payload: json({ station: stationId, ts, appliance: 'microwave', on: true, powerW: 1000, faultCode: null }),
      expect: 'topic_mismatch',
    },
    {
      name: 'line protocol in fault code',
      topic: fridge,
      payload: json({ station: stationId, ts, appliance: 'fridge', on: true, powerW: 90, faultCode: 'E1 x=1\nevil,station=SN-0001 open=1', tempC: 4 }),
      expect: 'schema',
    },
    {
      name: 'line protocol in firmware',
      topic: status,
      payload: json({ station: stationId, ts, online: true, reason: 'heartbeat', fw: '1.0",x=1 evil=1' }),
      expect: 'schema',
    },
    { name: 'line protocol in station', topic: occupancy, payload: json({ station: `${stationId},district=XX`, ts, people: 1, entries: 0 }), expect: 'schema' },
    {
      name: 'oversized',
      topic: occupancy,
      payload: json({ station: stationId, ts, people: 1, entries: 0, pad: 'x'.repeat(MAX_PAYLOAD_BYTES) }),
      expect: 'too_large',
      broker: 'payload_too_large',
    },
    // Inside the platform's subscription (appliance/+), but not an appliance of the contract.
    {
      name: 'unknown appliance',
      topic: `${stationTopicPrefix(stationId)}appliance/toaster`,
      payload: json({ station: stationId, ts }),
      expect: 'bad_topic',
      broker: 'not_contract_topic',
    },
  ];
}

export function pickHostile(station: Station, ts: number, rng: Rng): HostileMessage {
  return rng.pick(hostileMessages(station, ts));
}
