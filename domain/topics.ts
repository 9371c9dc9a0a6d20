import { APPLIANCES, type Appliance } from './equipment.js';
import { STATION_ID_PATTERN } from './station.js';

// Topic layout, version 1:
//   qdyz/v1/<stationId>/status | service | occupancy | speaker   (station → platform)
//   qdyz/v1/<stationId>/appliance/<appliance>                     (station → platform)
//   qdyz/v1/<stationId>/cmd                                        (platform → station)
export const TOPIC_ROOT = 'qdyz';
export const TOPIC_VERSION = 'v1';
const PREFIX = `${TOPIC_ROOT}/${TOPIC_VERSION}`;

export const CHANNELS = ['status', 'service', 'occupancy', 'speaker', 'appliance'] as const;
export type Channel = (typeof CHANNELS)[number];

export type TopicAddress = { stationId: string; channel: Exclude<Channel, 'appliance'> } | { stationId: string; channel: 'appliance'; appliance: Appliance };

export function telemetryTopic(address: TopicAddress): string {
  const base = `${PREFIX}/${address.stationId}/${address.channel}`;
  return address.channel === 'appliance' ? `${base}/${address.appliance}` : base;
}

/** Everything a station may publish lives under this prefix (the broker's ACL). */
export function stationTopicPrefix(stationId: string): string {
  return `${PREFIX}/${stationId}/`;
}

export function commandTopic(stationId: string): string {
  return `${PREFIX}/${stationId}/cmd`;
}

/** Subscriptions that receive all station telemetry and nothing else. */
export const TELEMETRY_SUBSCRIPTIONS: readonly string[] = [
  `${PREFIX}/+/status`,
  `${PREFIX}/+/service`,
  `${PREFIX}/+/occupancy`,
  `${PREFIX}/+/speaker`,
  `${PREFIX}/+/appliance/+`,
];

const TELEMETRY_FILTER_LEVELS = TELEMETRY_SUBSCRIPTIONS.map((filter) => filter.split('/'));

/** Whether a subscriber to TELEMETRY_SUBSCRIPTIONS receives this topic (MQTT's `+`: any one level, empty included). */
export function matchesTelemetrySubscriptions(topic: string): boolean {
  const levels = topic.split('/');
  return TELEMETRY_FILTER_LEVELS.some((filter) => filter.length === levels.length && filter.every((level, i) => level === '+' || level === levels[i]));
}

const isAppliance = (s: string | undefined): s is Appliance => (APPLIANCES as readonly string[]).includes(s ?? '');

/** Parses a telemetry topic; returns null for anything that is not one. */
export function parseTelemetryTopic(topic: string): TopicAddress | null {
  const parts = topic.split('/');
  if (parts[0] !== TOPIC_ROOT || parts[1] !== TOPIC_VERSION) return null;
  const stationId = parts[2] ?? '';
  if (!STATION_ID_PATTERN.test(stationId)) return null;
  const channel = parts[3];
  if (parts.length === 5 && channel === 'appliance' && isAppliance(parts[4])) {
    return { stationId, channel, appliance: parts[4] };
  }
  if (parts.length === 4 && (channel === 'status' || channel === 'service' || channel === 'occupancy' || channel === 'speaker')) {
    return { stationId, channel };
  }
  return null;
}
