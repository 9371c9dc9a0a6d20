import test from 'ava';
import { indexRegistry } from '../../domain/registry.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { SERIES, toPoint } from '../../domain/series.js';
import { applyTelemetry, initialState } from '../../domain/station-state.js';
import { decodeTelemetry, type Telemetry } from '../../domain/telemetry.js';

const registry = indexRegistry(loadRegistryFile().stations.slice(0, 2));
const station = registry.stations[0]!;
const now = Date.parse('2026-06-01T04:00:00Z');
const msg = (channel: string, payload: Record<string, unknown>): Telemetry => {
  const d = decodeTelemetry(`qdyz/v1/${station.id}/${channel}`, Buffer.from(JSON.stringify({ station: station.id, ...payload })), registry, now);
  if (!d.ok) throw new Error(d.detail);
  return d.message;
};

test('points carry station and district tags and typed fields from SERIES', (t) => {
  const p = toPoint(msg('appliance/fridge', { ts: now, appliance: 'fridge', on: true, powerW: 85.5, faultCode: 'E7', tempC: 9.25 }), station);
  t.is(p.measurement, SERIES.appliance.measurement);
  t.deepEqual(p.tags, { station: station.id, district: station.district, appliance: 'fridge' });
  t.deepEqual(p.fields.power_w, { type: 'float', value: 85.5 });
  t.deepEqual(p.fields.fault, { type: 'int', value: 1 });
  t.deepEqual(p.fields.fault_code, { type: 'string', value: 'E7' });
  t.is(p.fields.heating, undefined);
  t.is(p.time, now);
  for (const name of Object.keys(p.fields)) t.true(name in SERIES.appliance.fields, name);
});

test('booleans are stored as 0/1 integers so mean() gives a share of time', (t) => {
  const p = toPoint(msg('service', { ts: now, open: true, door: 'open' }), station);
  t.deepEqual(p.fields, { open: { type: 'int', value: 1 }, door_open: { type: 'int', value: 1 } });
});

test('state folds telemetry; a Last Will marks offline; late samples do not overwrite newer ones', (t) => {
  let s = initialState(station);
  s = applyTelemetry(s, msg('service', { ts: now - 5000, open: true, door: 'closed' }));
  s = applyTelemetry(s, msg('appliance/fridge', { ts: now - 4000, appliance: 'fridge', on: true, powerW: 80, faultCode: null, tempC: 4 }));
  t.is(s.online, true);
  t.is(s.open, true);
  t.is(s.openChangedAt, now - 5000);
  t.is(s.appliances.fridge?.tempC, 4);
  s = applyTelemetry(s, msg('appliance/fridge', { ts: now - 9000, appliance: 'fridge', on: true, powerW: 80, faultCode: null, tempC: 12 }));
  t.is(s.appliances.fridge?.tempC, 4, 'an older sample does not replace a newer one');
  s = applyTelemetry(s, msg('status', { online: false, reason: 'lwt' }));
  t.is(s.online, false);
  t.is(s.offlineReason, 'lwt');
  t.is(s.lastSeen, now - 4000, 'the heartbeat age still counts from the last real sample');
  s = applyTelemetry(s, msg('status', { ts: now, online: true, reason: 'boot' }));
  t.is(s.online, true);
  t.is(s.offlineReason, null);
});

test('a sample taken before a Last Will but delivered after it does not bring the station back online', (t) => {
  let s = initialState(station);
  s = applyTelemetry(s, msg('status', { ts: now - 60_000, online: true, reason: 'heartbeat' }));
  s = applyTelemetry(s, msg('status', { online: false, reason: 'lwt' })); // receive time: now
  s = applyTelemetry(s, msg('appliance/fridge', { ts: now - 10_000, appliance: 'fridge', on: true, powerW: 80, faultCode: null, tempC: 5 }));
  t.is(s.online, false, 'the link died after this sample was taken');
  t.is(s.lastSeen, now - 60_000);
  t.is(s.appliances.fridge?.tempC, 5, 'the reading itself is still the newest of the fridge');
  s = applyTelemetry(s, msg('status', { ts: now - 5_000, online: true, reason: 'heartbeat' }));
  t.is(s.online, false, 'nor does a late heartbeat');
  s = applyTelemetry(s, msg('occupancy', { ts: now + 1_000, people: 2, entries: 0 }));
  t.is(s.online, true, 'a sample taken after the Last Will does');
  t.is(s.lastSeen, now + 1_000);
});

test('a late occupancy sample does not overwrite a newer count', (t) => {
  let s = initialState(station);
  s = applyTelemetry(s, msg('occupancy', { ts: now - 1_000, people: 3, entries: 0 }));
  s = applyTelemetry(s, msg('occupancy', { ts: now - 9_000, people: 9, entries: 0 }));
  t.is(s.people, 3);
  s = applyTelemetry(s, msg('occupancy', { ts: now, people: 4, entries: 0 }));
  t.is(s.people, 4);
});
