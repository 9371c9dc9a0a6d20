import type { Rng } from '../domain/random.js';
import { MAX_PAYLOAD_BYTES, type RejectReason } from '../domain/telemetry.js';
import { stationTopicPrefix, telemetryTopic } from '../domain/topics.js';

// Malformed and hostile payloads a compromised or broken station might send, each with the
// rejection reason the ingest must count for it. All use the station's own topics, so the
// broker's ACL lets them through and the ingest's validation is what is tested.

export interface HostileMessage {
  name: string;
  topic: string;
  payload: string;
  /** The reason decodeTelemetry must give; the broker itself refuses payloads over the contract's limit. */
  expect: RejectReason | 'broker_refused';
}

/** A station that is not the sender (for topic/payload mismatch); never in any registry. */
const OTHER_STATION = 'ZZ-9999';

export function hostileMessages(stationId: string, ts: number): HostileMessage[] {
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
    { name: 'oversized', topic: occupancy, payload: json({ station: stationId, ts, people: 1, entries: 0, pad: 'x'.repeat(MAX_PAYLOAD_BYTES) }), expect: 'broker_refused' },
    // Inside the platform's subscription (appliance/+), but not an appliance of the contract.
    { name: 'unknown appliance', topic: `${stationTopicPrefix(stationId)}appliance/toaster`, payload: json({ station: stationId, ts }), expect: 'bad_topic' },
  ];
}

export function pickHostile(stationId: string, ts: number, rng: Rng): HostileMessage {
  return rng.pick(hostileMessages(stationId, ts));
}
