import { APPLIANCES } from './equipment.js';
import { CHANNELS, telemetryTopic } from './topics.js';

// Parallel ingest workers split the fleet's telemetry by station. aedes has no MQTT 5 shared subscriptions, so a
// worker's share must be a set of plain MQTT subscriptions: every telemetry topic of each of its stations, spelled
// out without wildcards (11 per station). Exact topics, not `qdyz/v1/<id>/+`: with several broker nodes each
// subscription is one Redis channel (mqemitter-redis), and Redis matches every publish against every *pattern*
// subscription one by one, whereas an exact channel is a hash lookup.

/** Worker `index` of `count` (1-based), written `index/count`, e.g. 2/3. */
export interface Partition {
  index: number;
  count: number;
}

export const WHOLE_FLEET: Partition = { index: 1, count: 1 };

export function parsePartition(text: string): Partition | null {
  const m = /^(\d{1,3})\/(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index >= 1 && index <= count ? { index, count } : null;
}

/** FNV-1a: the same station falls in the same partition whatever the registry's order or size. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The partition (1-based) a station's telemetry belongs to when the fleet is split `count` ways. */
export const partitionOf = (stationId: string, count: number): number => (hash(stationId) % count) + 1;

/** Every telemetry topic a station may publish (the contract's, docs/telemetry.md). */
export function stationTelemetryTopics(stationId: string): string[] {
  return CHANNELS.flatMap((channel) =>
    channel === 'appliance' ? APPLIANCES.map((appliance) => telemetryTopic({ stationId, channel, appliance })) : [telemetryTopic({ stationId, channel })],
  );
}

/** The exact telemetry topics of the stations in partition `p`. */
export function partitionTopics(stationIds: Iterable<string>, p: Partition): string[] {
  const topics: string[] = [];
  for (const id of stationIds) if (partitionOf(id, p.count) === p.index) topics.push(...stationTelemetryTopics(id));
  return topics;
}

/** The client id of a partitioned ingest worker, so a broker can seed its session: svc-ingest-2of3. */
export const partitionClientId = (account: string, p: Partition): string => `${account}-${p.index}of${p.count}`;

/** The partition named by a client id made by partitionClientId, or null. */
export function partitionOfClientId(clientId: string): Partition | null {
  const m = /-(\d{1,3})of(\d{1,3})$/.exec(clientId);
  return m ? parsePartition(`${m[1]}/${m[2]}`) : null;
}
