import test from 'ava';
import { indexRegistry } from '../../domain/registry.js';
import { generateRegistry } from '../../domain/registry-generator.js';
import { decodeTelemetry, MAX_PAYLOAD_BYTES, type Decoded } from '../../domain/telemetry.js';
import { parseTelemetryTopic, telemetryTopic } from '../../domain/topics.js';

const registry = indexRegistry(generateRegistry().slice(0, 5));
const now = Date.parse('2026-06-01T04:00:00Z');
const enc = (x: unknown): Uint8Array => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x));
const decode = (topic: string, payload: unknown): Decoded => decodeTelemetry(topic, enc(payload), registry, now);
const reason = (d: Decoded): string => (d.ok ? 'ok' : d.reason);

test('topics round-trip and foreign topics are not telemetry', (t) => {
  const topic = telemetryTopic({ stationId: 'SN-0001', channel: 'appliance', appliance: 'fridge' });
  t.is(topic, 'qdyz/v1/SN-0001/appliance/fridge');
  t.deepEqual(parseTelemetryTopic(topic), { stationId: 'SN-0001', channel: 'appliance', appliance: 'fridge' });
  for (const bad of ['qdyz/v2/SN-0001/status', 'qdyz/v1/SN-0001/cmd', 'qdyz/v1/sn-1/status', 'qdyz/v1/SN-0001/appliance/toaster', 'qdyz/v1/SN-0001/status/extra', '']) {
    t.is(parseTelemetryTopic(bad), null, bad);
  }
});

test('valid messages of every channel decode', (t) => {
  const base = { station: 'SN-0001', ts: now - 1000 };
  t.is(reason(decode('qdyz/v1/SN-0001/status', { ...base, online: true, reason: 'heartbeat', wifiRssiDbm: -60 })), 'ok');
  t.is(reason(decode('qdyz/v1/SN-0001/service', { ...base, open: true, door: 'closed' })), 'ok');
  t.is(reason(decode('qdyz/v1/SN-0001/occupancy', { ...base, people: 3, entries: 5 })), 'ok');
  t.is(reason(decode('qdyz/v1/SN-0001/appliance/fridge', { ...base, appliance: 'fridge', on: true, powerW: 80, faultCode: null, tempC: 4.5 })), 'ok');
  const speaker = decode('qdyz/v1/SN-0001/speaker', { ...base, online: true, wakeups: 2, queries: { news_policy: 1, qa: 1, learning: 0, relaxation: 0, life_services: 0 } });
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
