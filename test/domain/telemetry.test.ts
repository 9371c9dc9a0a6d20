import test from 'ava';
import { indexRegistry } from '../../domain/registry.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { decodeTelemetry, MAX_PAYLOAD_BYTES, maxPlausiblePeople, PHYSICAL_OCCUPANCY_FACTOR, type Decoded } from '../../domain/telemetry.js';
import { parseTelemetryTopic, telemetryTopic } from '../../domain/topics.js';

const registry = indexRegistry(loadRegistryFile().stations.slice(0, 5));
const now = Date.parse('2026-06-01T04:00:00Z');
const enc = (x: unknown): Uint8Array => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x));
const decode = (topic: string, payload: unknown): Decoded => decodeTelemetry(topic, enc(payload), registry, now);
const reason = (d: Decoded): string => (d.ok ? 'ok' : d.reason);

test('topics round-trip and foreign topics are not telemetry', (t) => {
  const topic = telemetryTopic({ stationId: 'SN-0001', channel: 'appliance', appliance: 'fridge' });
  t.is(topic, 'qdyz/v1/SN-0001/appliance/fridge');
  t.deepEqual(parseTelemetryTopic(topic), { stationId: 'SN-0001', channel: 'appliance', appliance: 'fridge' });
  for (const bad of [
    'qdyz/v2/SN-0001/status',
    'qdyz/v1/SN-0001/cmd',
    'qdyz/v1/sn-1/status',
    'qdyz/v1/SN-0001/appliance/toaster',
    'qdyz/v1/SN-0001/status/extra',
    '',
  ]) {
    t.is(parseTelemetryTopic(bad), null, bad);
  }
});

test('valid messages of every channel decode', (t) => {
  const base = { station: 'SN-0001', ts: now - 1000 };
  t.is(reason(decode('qdyz/v1/SN-0001/status', { ...base, online: true, reason: 'heartbeat', wifiRssiDbm: -60 })), 'ok');
  t.is(reason(decode('qdyz/v1/SN-0001/service', { ...base, open: true, door: 'closed' })), 'ok');
  t.is(reason(decode('qdyz/v1/SN-0001/occupancy', { ...base, people: 3, entries: 5 })), 'ok');
  t.is(reason(decode('qdyz/v1/SN-0001/appliance/fridge', { ...base, appliance: 'fridge', on: true, powerW: 80, faultCode: null, tempC: 4.5 })), 'ok');
  const speaker = decode('qdyz/v1/SN-0001/speaker', {
    ...base,
    online: true,
    wakeups: 2,
    queries: { news_policy: 1, qa: 1, learning: 0, relaxation: 0, life_services: 0 },
  });
  t.is(reason(speaker), 'ok');
  t.is(speaker.ok && speaker.message.ts, now - 1000);
});

test('a Last Will without ts gets the receive time', (t) => {
  const d = decode('qdyz/v1/SN-0001/status', { station: 'SN-0001', online: false, reason: 'lwt' });
  t.true(d.ok);
  t.is(d.ok && d.message.ts, now);
});

test('each kind of bad input is rejected with its own reason', (t) => {
  const base = { station: 'SN-0001', ts: now };
  t.is(reason(decode('qdyz/v1/SN-0001/cmd', base)), 'bad_topic');
  t.is(reason(decode('qdyz/v1/SN-0001/service', '{"open": tru')), 'bad_json');
  t.is(reason(decode('qdyz/v1/SN-0001/service', { ...base, open: 'yes', door: 'closed' })), 'schema');
  t.is(reason(decode('qdyz/v1/SN-0001/service', { ...base, open: true, door: 'closed', extra: 1 })), 'schema');
  t.is(reason(decode('qdyz/v1/SN-0001/occupancy', { ...base, people: 999, entries: 1 })), 'out_of_range');
  t.is(reason(decode('qdyz/v1/SN-0001/appliance/fridge', { ...base, appliance: 'fridge', on: true, powerW: 80, faultCode: null, tempC: 300 })), 'out_of_range');
  t.is(reason(decode('qdyz/v1/SN-0001/service', { ...base, ts: now + 3600_000, open: true, door: 'closed' })), 'out_of_range');
  t.is(reason(decode('qdyz/v1/SN-0001/service', { ...base, station: 'SN-0002', open: true, door: 'closed' })), 'topic_mismatch');
  t.is(reason(decode('qdyz/v1/SN-0001/appliance/fridge', { ...base, appliance: 'microwave', on: true, powerW: 0, faultCode: null })), 'topic_mismatch');
  t.is(reason(decode('qdyz/v1/LX-0999/service', { ...base, station: 'LX-0999', open: true, door: 'closed' })), 'unknown_station');
  t.is(reason(decodeTelemetry('qdyz/v1/SN-0001/service', new Uint8Array(MAX_PAYLOAD_BYTES + 1), registry, now)), 'too_large');
});

test('strings that could smuggle line protocol are refused by the schema', (t) => {
  const base = { station: 'SN-0001', ts: now, appliance: 'fridge', on: true, powerW: 80 };
  t.is(reason(decode('qdyz/v1/SN-0001/appliance/fridge', { ...base, faultCode: 'E1 fault=1i\nx,station=SN-0002 open=1i' })), 'schema');
  t.is(reason(decode('qdyz/v1/SN-0001/status', { station: 'SN-0001', ts: now, online: true, reason: 'boot', fw: 'v1,x=1 y' })), 'schema');
});

test('people above what the room can physically hold are out of range; above its capacity is still a reading', (t) => {
  const station = registry.get('SN-0001')!;
  const occupancy = (people: number) => reason(decode('qdyz/v1/SN-0001/occupancy', { station: 'SN-0001', ts: now, people, entries: 0 }));
  t.is(occupancy(station.capacity + 1), 'ok', 'over capacity: the rules alert, the ingest keeps it');
  t.is(occupancy(maxPlausiblePeople(station)), 'ok');
  t.is(occupancy(maxPlausiblePeople(station) + 1), 'out_of_range');
  t.is(maxPlausiblePeople(station), station.capacity * PHYSICAL_OCCUPANCY_FACTOR);
});

test('an appliance or speaker the station does not have, or has only as inspection-attested, is not_equipped', (t) => {
  const base = { on: true, powerW: 5, faultCode: null };
  const stations = loadRegistryFile().stations;
  const lacking = indexRegistry(stations);
  const check = (item: 'lockers' | 'fan', how: 'inspection' | undefined): void => {
    const station = stations.find((s) => s.equipment[item] === how)!;
    t.truthy(station, `a generated station with ${item} ${how ?? 'absent'}`);
    const payload = { station: station.id, ts: now, appliance: item, ...base, ...(item === 'lockers' ? { openDoors: 0 } : {}) };
    const d = decodeTelemetry(`qdyz/v1/${station.id}/appliance/${item}`, enc(payload), lacking, now);
    t.is(reason(d), 'not_equipped', `${station.id} ${item}`);
    t.regex(d.ok ? '' : d.detail, new RegExp(`${item} from ${station.id}`));
  };
  check('lockers', 'inspection');
  check('fan', undefined);
  const noSpeaker = { ...stations[0]!, equipment: { ...stations[0]!.equipment, ai_speaker: 'inspection' as const } };
  const speaker = {
    station: noSpeaker.id,
    ts: now,
    online: true,
    wakeups: 0,
    queries: { news_policy: 0, qa: 0, learning: 0, relaxation: 0, life_services: 0 },
  };
  t.is(reason(decodeTelemetry(`qdyz/v1/${noSpeaker.id}/speaker`, enc(speaker), indexRegistry([noSpeaker]), now)), 'not_equipped');
});

test('a field of another kind of appliance is refused', (t) => {
  const base = { station: 'SN-0001', ts: now, on: true, powerW: 1000, faultCode: null };
  t.is(reason(decode('qdyz/v1/SN-0001/appliance/microwave', { ...base, appliance: 'microwave', tempC: 4 })), 'schema');
  t.is(reason(decode('qdyz/v1/SN-0001/appliance/fridge', { ...base, appliance: 'fridge', tempC: 4, heating: true })), 'schema');
  t.is(reason(decode('qdyz/v1/SN-0001/appliance/water_dispenser', { ...base, appliance: 'water_dispenser', heating: true })), 'ok');
  t.is(reason(decode('qdyz/v1/SN-0001/appliance/power_strip', { ...base, appliance: 'power_strip', openDoors: 1 })), 'schema');
});

test('a status whose online state contradicts its reason is contradictory', (t) => {
  const status = (online: boolean, why: string, extra = {}) =>
    reason(decode('qdyz/v1/SN-0001/status', { station: 'SN-0001', ts: now, online, reason: why, ...extra }));
  t.is(status(false, 'heartbeat'), 'contradictory');
  t.is(status(false, 'boot'), 'contradictory');
  t.is(status(true, 'lwt'), 'contradictory');
  t.is(status(true, 'shutdown'), 'contradictory');
  t.is(status(true, 'heartbeat'), 'ok');
  t.is(status(false, 'shutdown'), 'ok');
  t.is(status(false, 'heartbeat', { uptimeS: -1 }), 'contradictory', 'a contradiction outweighs a value out of range');
  t.is(status(false, 'heartbeat', { fw: 'a b' }), 'schema', 'a malformed field outweighs a contradiction');
});
