import test from 'ava';
import { decodeTelemetry, REJECT_REASONS } from '../../domain/telemetry.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { hostileMessages } from '../../device-sim/hostile.js';

test('every hostile message is rejected by the telemetry contract for the reason it is meant to test', (t) => {
  const registry = loadRegistryFile();
  const now = Date.now();
  const messages = hostileMessages('SN-0001', now);
  for (const h of messages) {
    const decoded = decodeTelemetry(h.topic, Buffer.from(h.payload), registry, now);
    // The broker refuses oversized payloads before any decoder sees them; a decoder would say too_large.
    t.deepEqual(decoded.ok ? 'accepted' : decoded.reason, h.expect === 'broker_refused' ? 'too_large' : h.expect, h.name);
  }
  // Every reason a station can provoke on its own topics is covered (unknown_station needs another station's account).
  const covered = new Set(messages.map((h) => (h.expect === 'broker_refused' ? 'too_large' : h.expect)));
  t.deepEqual(REJECT_REASONS.filter((r) => !covered.has(r)), ['unknown_station']);
});
