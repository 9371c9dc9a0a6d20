import test from 'ava';
import type { Attestation } from '../../domain/alerts.js';
import { MANUAL_ITEMS, REQUIREMENTS } from '../../domain/equipment.js';
import { applyTelemetry, initialState } from '../../domain/station-state.js';
import { districtFacilityPercent, facilityStatus, latestAttestations } from '../../rules/facility.js';
import { at, H, msg, station } from './timeline.js';

const now = at('2026-05-06T12:00:00');
const opts = { now, attestationMaxAgeMs: 90 * 24 * H, telemetryStaleMs: 15 * 60_000 };
const attest = (item: Attestation['item'], daysAgo: number, present = true, working = true): Attestation => ({
  stationId: 'SN-0001',
  item,
  present,
  working,
  by: 'insp',
  at: now - daysAgo * 24 * H,
});

function healthyState() {
  let s = initialState(station());
  for (const m of [
    msg.heartbeat(now - 10_000),
    msg.speaker(now - 60_000, true),
    msg.appliance(now - 60_000, 'water_dispenser', { heating: true }),
    msg.appliance(now - 60_000, 'microwave'),
    msg.appliance(now - 60_000, 'fridge', { tempC: 4 }),
    msg.appliance(now - 60_000, 'air_conditioner'),
    msg.appliance(now - 60_000, 'power_strip'),
  ])
    s = applyTelemetry(s, m);
  return s;
}

test('everything reporting and freshly attested is 100 %', (t) => {
  const list = [...MANUAL_ITEMS, 'lockers' as const].map((i) => attest(i, 10));
  const f = facilityStatus(station(), healthyState(), latestAttestations(list), opts);
  t.deepEqual(f, { percent: 100, missing: [], faulted: [], notReporting: [], unattested: [] });
});

test('stale attestations, faults, silent items and missing items are each named', (t) => {
  const list = [...MANUAL_ITEMS, 'lockers' as const].map((i) => attest(i, i === 'medical_kit' ? 120 : 10));
  list.push(attest('sink', 1, false, false));
  let s = healthyState();
  s = applyTelemetry(s, msg.appliance(now - 1000, 'fridge', { faultCode: 'E5' }));
  s = { ...s, appliances: { ...s.appliances, microwave: { ...s.appliances.microwave!, at: now - 20 * 60_000 } } };
  const { umbrellas: _gone, ...equipment } = station().equipment;
  const st = station({ equipment });
  const f = facilityStatus(st, s, latestAttestations(list), opts);
  t.deepEqual(f.missing.sort(), ['sink', 'umbrellas']);
  t.deepEqual(f.faulted, ['fridge']);
  t.deepEqual(f.notReporting, ['microwave']);
  t.deepEqual(f.unattested, ['medical_kit']);
  t.is(f.percent, Math.round(((REQUIREMENTS.length - 5) / REQUIREMENTS.length) * 1000) / 10);
});

test('a fan satisfies the fan-or-AC requirement; the district figure is the station mean', (t) => {
  const { air_conditioner: _ac, ...rest } = station().equipment;
  const eq = { ...rest, fan: 'telemetry' as const };
  let s = healthyState();
  s = applyTelemetry(s, msg.appliance(now - 1000, 'fan'));
  const f = facilityStatus(station({ equipment: eq }), s, new Map(), opts);
  t.false(f.notReporting.includes('fan_or_ac'));
  t.is(
    districtFacilityPercent([
      { ...f, percent: 50 },
      { ...f, percent: 100 },
    ]),
    75,
  );
  t.is(districtFacilityPercent([]), null);
});
