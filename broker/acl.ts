import { SERVICE_ACCOUNTS, type ServiceAccount } from '../domain/accounts.js';
import { STATION_ID_PATTERN } from '../domain/station.js';
import { MAX_PAYLOAD_BYTES } from '../domain/telemetry.js';
import { TELEMETRY_SUBSCRIPTIONS, TOPIC_ROOT, TOPIC_VERSION, commandTopic, parseTelemetryTopic, stationTopicPrefix, telemetryTopic } from '../domain/topics.js';

// The broker's access rules as pure functions of (account, request): no aedes, no sockets, so every rule is unit-tested.

export type Principal = { role: 'station'; username: string } | { role: 'service'; username: ServiceAccount };

/** Every reason the broker refuses something; these are the `reason` label values of broker_refusals_total. */
export const REFUSAL_REASONS = [
  // connect
  'no_credentials',
  'unknown_user',
  'bad_password',
  'unknown_station',
  'bad_client_id',
  'will_not_allowed',
  'throttled',
  'unsupported_protocol',
  'no_connect',
  // publish / subscribe
  'reserved_topic',
  'foreign_topic',
  'command_topic',
  'retain_not_allowed',
  'read_only_account',
  'payload_too_large',
  'not_own_command_topic',
  'not_contract_topic',
  'invalid_retained',
  'invalid_will',
  'not_telemetry',
  'not_authenticated',
  'inflight_exceeded',
  'invalid_topic',
  // transport
  'packet_too_large',
  'bad_protocol',
  'malformed_packet',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type Decision = { ok: true } | { ok: false; reason: RefusalReason };
const allow: Decision = { ok: true };
const deny = (reason: RefusalReason): Decision => ({ ok: false, reason });

/**
 * A station must use its id as client id: aedes disconnects the older of two clients with the same id and hands
 * over its session, so a free choice would let one station's credentials kick another station off (and read its
 * queued commands). Services use their account name, optionally with a `-suffix` for several instances.
 */
export function checkClientId(who: Principal, clientId: string): Decision {
  if (who.role === 'station') return clientId === who.username ? allow : deny('bad_client_id');
  if (clientId === who.username) return allow;
  const instance = clientId.startsWith(`${who.username}-`) ? clientId.slice(who.username.length + 1) : '';
  return /^[A-Za-z0-9_.-]{1,40}$/.test(instance) ? allow : deny('bad_client_id');
}

/** A client id one of the service accounts may use (its own name, or name-instance). */
export const isServiceClientId = (clientId: string): boolean => SERVICE_ACCOUNTS.some((username) => checkClientId({ role: 'service', username }, clientId).ok);

/** The Last Will is published by the broker on the client's behalf, so it must be the station's own status topic. */
export function checkWill(who: Principal, will: { topic: string; payloadBytes: number }): Decision {
  if (who.role !== 'station') return deny('will_not_allowed');
  if (will.topic !== telemetryTopic({ stationId: who.username, channel: 'status' })) return deny('will_not_allowed');
  return will.payloadBytes > MAX_PAYLOAD_BYTES ? deny('payload_too_large') : allow;
}

const CMD_TOPIC_SHAPE = new RegExp(`^${TOPIC_ROOT}/${TOPIC_VERSION}/([^/]+)/cmd$`);
const isCommandTopic = (topic: string) => {
  const m = CMD_TOPIC_SHAPE.exec(topic);
  return m !== null && STATION_ID_PATTERN.test(m[1]!) && commandTopic(m[1]!) === topic;
};

/**
 * MQTT-1.5.3-1/-2: a topic with ill-formed UTF-8 or U+0000 must close the connection. The packet parser decodes
 * ill-formed UTF-8 to U+FFFD, which no topic of the contract contains either.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what MQTT-1.5.3-2 forbids in a topic
export const isWellFormedTopic = (topic: string): boolean => !/[\u0000\uFFFD]/.test(topic);

export function checkPublish(who: Principal, msg: { topic: string; retain: boolean; payloadBytes: number }): Decision {
  if (!isWellFormedTopic(msg.topic)) return deny('invalid_topic');
  if (msg.topic.startsWith('$')) return deny('reserved_topic');
  if (msg.payloadBytes > MAX_PAYLOAD_BYTES) return deny('payload_too_large');
  if (who.role === 'station') {
    const prefix = stationTopicPrefix(who.username);
    if (!msg.topic.startsWith(prefix)) return deny('foreign_topic');
    // `cmd` and anything below it is the platform → station direction.
    if (msg.topic === commandTopic(who.username) || msg.topic.startsWith(`${commandTopic(who.username)}/`)) return deny('command_topic');
    // Only the contract's telemetry topics: anything else would be acked and dropped by every consumer unseen.
    // (This also bounds the retained store to those topics.)
    return parseTelemetryTopic(msg.topic)?.stationId === who.username ? allow : deny('not_contract_topic');
  }
  if (who.username !== 'svc-alerting') return deny('read_only_account');
  if (!isCommandTopic(msg.topic)) return deny('foreign_topic');
  // A retained command would run again on every reconnect of the station.
  return msg.retain ? deny('retain_not_allowed') : allow;
}

/** True when every topic that `filter` matches is also matched by `pattern` (both MQTT topic filters). */
export function filterCoveredBy(filter: string, pattern: string): boolean {
  const f = filter.split('/');
  const p = pattern.split('/');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '#') return true;
    if (i >= f.length || f[i] === '#') return false;
    if (p[i] !== '+' && p[i] !== f[i]) return false;
  }
  return f.length === p.length;
}

export function checkSubscribe(who: Principal, filter: string): Decision {
  if (!isWellFormedTopic(filter)) return deny('invalid_topic');
  // `$SYS/...` (broker internals) and `$share/...` both start with `$`; neither is for devices or services.
  if (filter.startsWith('$')) return deny('reserved_topic');
  if (who.role === 'station') return filter === commandTopic(who.username) ? allow : deny('not_own_command_topic');
  return TELEMETRY_SUBSCRIPTIONS.some((pattern) => filterCoveredBy(filter, pattern)) ? allow : deny('not_telemetry');
}
