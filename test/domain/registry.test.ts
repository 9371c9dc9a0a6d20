import test from 'ava';
import { DISTRICTS, isInsideDistrict } from '../../domain/districts.js';
import { parseRegistry, RegistryError } from '../../domain/registry.js';
import { buildPlan, generateRegistry } from '../../domain/registry-generator.js';
import { loadRegistryFile } from '../../lib/registry-file.js';

test('the committed registry is valid, holds 600 stations, and is what the generator makes', (t) => {
  const registry = loadRegistryFile();
  t.is(registry.stations.length, 600);
  t.deepEqual(JSON.parse(JSON.stringify(registry.stations)), JSON.parse(JSON.stringify(generateRegistry())));
});

test('district counts follow the plan: the 2019 table, then +200 and the rest of the 600', (t) => {
  const registry = loadRegistryFile();
  for (const { district, perYear } of buildPlan()) {
    t.is(registry.stations.filter((s) => s.district === district.code && s.yearBuilt === 2019).length, district.targets[2019]!, district.code);
    t.is(registry.inDistrict(district.code).length, perYear[2019]! + perYear[2020]! + perYear[2021]!);
  }
  t.is(registry.stations.filter((s) => s.yearBuilt === 2019).length, 105);
  t.is(registry.stations.filter((s) => s.yearBuilt === 2020).length, 200);
  t.is(registry.stations.filter((s) => s.yearBuilt === 2021).length, 295);
});

test('every station lies inside its district and ids are unique', (t) => {
  const registry = loadRegistryFile();
  for (const s of registry.stations) t.true(isInsideDistrict(s.district, s.location.lat, s.location.lon), s.id);
  t.is(new Set(registry.stations.map((s) => s.id)).size, 600);
  t.is(DISTRICTS.length, 12);
});

test('a registry with errors is refused with every bad row and field named', (t) => {
  const [a, b, c] = generateRegistry()
    .slice(0, 3)
    .map((s) => JSON.parse(JSON.stringify(s)));
  a.location = { lat: 39.9, lon: 116.4 }; // Beijing: outside district
  b.contactPhone = 'call me';
  b.openingHours = { type: 'weekly', weekly: { mon: [{ open: '25:00', close: '19:00' }] } };
  c.id = a.id;
  const error = t.throws(() => parseRegistry({ version: 1, stations: [a, b, c] }), { instanceOf: RegistryError });
  const text = error!.problems.join('\n');
  t.regex(text, /row 1 \(id SN-0001\) field location: .* outside district SN/);
  t.regex(text, /row 2 \(id SN-0002\) field contactPhone/);
  t.regex(text, /row 2 \(id SN-0002\) field openingHours\.weekly\.mon\.0\.open/);
  t.regex(text, /row 3 \(id SN-0001\) field id: duplicate/);
  t.is(error!.problems.length, 4);
});

test('an item that cannot report telemetry is refused as telemetry', (t) => {
  const [s] = generateRegistry()
    .slice(0, 1)
    .map((x) => JSON.parse(JSON.stringify(x)));
  s.equipment.medical_kit = 'telemetry';
  const error = t.throws(() => parseRegistry({ version: 1, stations: [s] }), { instanceOf: RegistryError });
  t.regex(error!.message, /equipment\.medical_kit: medical_kit cannot report telemetry/);
});

test('a registry file of the wrong shape is refused', (t) => {
  t.throws(() => parseRegistry({ stations: [] }), { instanceOf: RegistryError, message: /version/ });
  t.throws(() => loadRegistryFile('/nonexistent/stations.json'), { instanceOf: RegistryError, message: /nonexistent/ });
});
