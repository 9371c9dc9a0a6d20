import test from 'ava';
import { APPLIANCES } from '../../domain/equipment.js';
import { indexRegistry } from '../../domain/registry.js';
import { decodeTelemetry, REJECT_REASONS } from '../../domain/telemetry.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { hostileMessages } from '../../device-sim/hostile.js';

test('every hostile message is rejected by the telemetry contract for the reason it is meant to test', (t) => {
  const registry = loadRegistryFile();
  const now = Date.now();
  const messages = hostileMessages(registry.get('SN-0001')!, now);
  for (const h of messages) {
    const decoded = decodeTelemetry(h.topic, Buffer.from(h.payload), registry, now);
    // Those the broker refuses (oversized, a non-contract topic) would be rejected by a decoder too.
    t.deepEqual(decoded.ok ? 'accepted' : decoded.reason, h.expect, h.name);
  }
  // Every reason a station can provoke on its own topics is covered (unknown_station needs another station's account).
  const covered = new Set(messages.map((h) => h.expect));
  t.deepEqual(
    REJECT_REASONS.filter((r) => !covered.has(r)),
    ['unknown_station'],
  );
});

test('a station with every appliance reporting gets no not_equipped message, and the rest still decode as meant', (t) => {
  const registry = loadRegistryFile();
  const base = registry.get('SN-0001')!;
  const full = { ...base, equipment: { ...base.equipment, ...Object.fromEntries(APPLIANCES.map((a) => [a, 'telemetry'])) } };
  const now = Date.now();
  const messages = hostileMessages(full, now);
  t.false(messages.some((h) => h.expect === 'not_equipped'));
  const withFull = indexRegistry(registry.stations.map((s) => (s.id === full.id ? full : s)));
  for (const h of messages.filter((m) => !m.broker)) {
    const decoded = decodeTelemetry(h.topic, Buffer.from(h.payload), withFull, now);
    t.is(decoded.ok ? 'accepted' : decoded.reason, h.expect, h.name);
  }
});
