import test from 'ava';
import { insideOutline } from '../../domain/district-outlines.js';
import { DISTRICTS, districtByCode, isInsideDistrict } from '../../domain/districts.js';
import { parseRegistry, RegistryError } from '../../domain/registry.js';
import { buildPlan, generateRegistry } from '../../domain/registry-generator.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { loadDistrictOutlines } from '../../lib/district-outlines-file.js';

const outlines = loadDistrictOutlines();

test('the committed registry is valid, holds 600 stations, and is what the generator makes', (t) => {
  const registry = loadRegistryFile();
  t.is(registry.stations.length, 600);
  t.deepEqual(JSON.parse(JSON.stringify(registry.stations)), JSON.parse(JSON.stringify(generateRegistry(outlines))));
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
  const [a, b, c] = generateRegistry(outlines)
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
  const [s] = generateRegistry(outlines)
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

test('the generated registry is plausible: inside its own district outline, no shared address, towns spread over the territory, bank hours', (t) => {
  const registry = loadRegistryFile();
  const outside = registry.stations.filter((s) => !insideOutline(outlines, s.district, s.location.lat, s.location.lon)).map((s) => s.id);
  t.deepEqual(outside, [], 'every station inside its own district (a zone: its parent district)');
  const addresses = registry.stations.map((s) => s.address);
  t.is(new Set(addresses).size, addresses.length, 'no two stations share an address');
  // A town government hosts only in a town, never on a downtown street.
  const towns = registry.stations.filter((s) => s.hostType === 'town');
  t.true(towns.length > 0);
  for (const s of towns) {
    t.regex(s.name, /^[^路街]+镇人民政府劳动者驿站/, s.id);
    t.false(
      districtByCode(s.district).streets.some((street) => s.address.includes(street.name)),
      `${s.id} ${s.address}`,
    );
  }
  // County-level cities' stations spread over their territory, not within ~1 km of the centre.
  for (const d of DISTRICTS.filter((x) => x.kind === 'city')) {
    const c = { lat: d.streets.reduce((a, s) => a + s.lat, 0) / d.streets.length, lon: d.streets.reduce((a, s) => a + s.lon, 0) / d.streets.length };
    const km = (s: { lat: number; lon: number }) => Math.hypot((s.lat - c.lat) * 111, (s.lon - c.lon) * 111 * Math.cos((c.lat * Math.PI) / 180));
    const far = registry.inDistrict(d.code).filter((s) => km(s.location) > 5).length;
    t.true(far >= registry.inDistrict(d.code).length / 3, `${d.code}: ${far} beyond 5 km`);
  }
  const banks = registry.stations.filter((s) => s.hostType === 'bank_branch');
  const allDay = banks.filter((s) => s.openingHours.type === '24h').length;
  t.true(allDay > 0 && allDay < banks.length / 2, `${allDay} of ${banks.length} bank branches open 24 h`);
  // The 2019 pilots of a unit of ten start with five the union built itself.
  for (const d of DISTRICTS.filter((x) => x.targets[2019] === 10))
    t.true(registry.inDistrict(d.code).filter((s) => s.hostType === 'union_built' && s.yearBuilt === 2019).length >= 5, d.code);
});
