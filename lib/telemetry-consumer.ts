import { EventEmitter } from 'node:events';
import { connect, type MqttClient } from 'mqtt';
import { Counter, type Registry as MetricsRegistry } from 'prom-client';
import type { Registry } from '../domain/registry.js';
import { applyTelemetry, initialState, type StationState } from '../domain/station-state.js';
import { decodeTelemetry, REJECT_REASONS, type RejectReason, type Telemetry } from '../domain/telemetry.js';
import { TELEMETRY_SUBSCRIPTIONS } from '../domain/topics.js';
import type { Logger } from './logger.js';
import { clip, createSampledLog } from './sampled-log.js';

export interface TelemetryConsumerOptions {
  mqttUrl: string;
  username: string;
  password: string;
  /** Stable across restarts, so the broker keeps the persistent session (and queues QoS 1 messages) while we are away. */
  clientId: string;
  registry: Registry;
  logger: Logger;
  metrics: MetricsRegistry;
  /** false (default): persistent session. */
  clean?: boolean;
  /** Topic filters to receive; all telemetry (TELEMETRY_SUBSCRIPTIONS) by default, a partition's topics for a worker of several. */
  subscriptions?: readonly string[];
  now?: () => number;
  /**
   * Called after the 'telemetry' listeners of a message ran, before its PUBACK: a promise holds the
   * PUBACK (and, as mqtt.js handles packets one at a time, every later message) until it settles.
   */
  beforeAck?: (topic: string) => Promise<void> | undefined;
  /** Rejections logged in full per reason and interval; the rest only counted and summarised. */
  rejectLog?: { perReason: number; intervalMs: number };
}

export interface TelemetryMeta {
  /** Delivered from the broker's retained store on (re)subscribe, not live. */
  retained: boolean;
  receivedAt: number;
  /** false when `ts` is the receive time (a Last Will, which carries no time of its own). */
  deviceTime: boolean;
}

export interface TelemetryConsumer {
  /** Last-value state of every registry station (initial state until it says something). */
  readonly states: ReadonlyMap<string, StationState>;
  on(event: 'telemetry', listener: (message: Telemetry, state: StationState, meta: TelemetryMeta) => void): this;
  on(event: 'rejected', listener: (reason: RejectReason, detail: string, topic: string) => void): this;
  /** Receiving (connected and subscribed) or not any more: the ingest's coverage heartbeat follows it. */
  on(event: 'link', listener: (up: boolean, at: number) => void): this;
  off(event: 'telemetry' | 'rejected' | 'link', listener: (...args: never[]) => void): this;
  /** Resolves once connected and subscribed; rejects if the broker refuses the connection or a subscription. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** Counters shared by every consumer on one metrics registry (the all-in-one process may run several). */
function consumerMetrics(metrics: MetricsRegistry) {
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> =>
    (metrics.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [metrics] });
  const rejected = counter('telemetry_messages_rejected_total', 'Telemetry messages refused by validation, by reason', ['reason']);
  for (const reason of REJECT_REASONS) rejected.inc({ reason }, 0);
  return {
    received: counter('telemetry_messages_received_total', 'Telemetry messages received from the broker'),
    accepted: counter('telemetry_messages_accepted_total', 'Telemetry messages that passed validation'),
    rejected,
  };
}

/** Rejections of telemetry, sampled per reason (see createSampledLog). */
export function createRejectionLog(logger: Logger, perReason: number) {
  const log = createSampledLog(logger, perReason, {
    event: 'telemetry_rejected_summary',
    msg: 'rejected telemetry not logged individually in the last interval',
  });
  return {
    record(reason: RejectReason, detail: string, topic: string): void {
      log.record(reason, () =>
        logger.warn({ event: 'telemetry_rejected', reason, topic: clip(topic, 200), detail: detail.slice(0, 300) }, `rejected telemetry: ${reason}`),
      );
    },
    summarise: log.summarise,
  };
}

/** Filters per SUBSCRIBE packet: a partition's exact topics (thousands) would exceed the broker's packet limit in one. */
const FILTERS_PER_SUBSCRIBE = 100;

/** Subscribes to every filter at QoS 1, in packets of FILTERS_PER_SUBSCRIBE; resolves with the filters the broker refused. */
async function subscribeAll(client: MqttClient, filters: readonly string[]): Promise<string[]> {
  const refused: string[] = [];
  for (let i = 0; i < filters.length; i += FILTERS_PER_SUBSCRIBE) {
    const granted = await client.subscribeAsync(filters.slice(i, i + FILTERS_PER_SUBSCRIBE), { qos: 1 });
    refused.push(...granted.filter((g) => g.qos === 128).map((g) => g.topic));
  }
  return refused;
}

class Consumer implements TelemetryConsumer {
  private readonly events = new EventEmitter();
  readonly states = new Map<string, StationState>();
  readonly ready: Promise<void>;
  private readonly client: MqttClient;
  private readonly summaryTimer: NodeJS.Timeout;
  private linked = false;

  constructor(private readonly opts: TelemetryConsumerOptions) {
    const { registry, logger } = opts;
    for (const station of registry.stations) this.states.set(station.id, initialState(station));
    const now = opts.now ?? Date.now;
    const counters = consumerMetrics(opts.metrics);
    const { perReason, intervalMs } = opts.rejectLog ?? { perReason: 5, intervalMs: 60_000 };
    const rejections = createRejectionLog(logger, perReason);
    this.summaryTimer = setInterval(() => rejections.summarise(), intervalMs).unref();

    // mqtt.js sends a QoS 1 PUBACK once the 'message' handlers ran and handleMessage (below) called
    // back: consumers make their path lossless before that (see ingest/ingest.ts), or hold it with beforeAck.
    // resubscribe is ours, on every connect: subscribing again also replays retained messages into the state.
    this.client = connect(opts.mqttUrl, {
      clientId: opts.clientId,
      username: opts.username,
      password: opts.password,
      clean: opts.clean ?? false,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      resubscribe: false,
    });

    let settled = false;
    this.ready = new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        if (!settled) {
          settled = true;
          reject(err);
        }
      };
      this.client.on('error', (err) => {
        // Closing while the broker still delivers: the PUBACK of a message already handled cannot be
        // sent. Harmless — the persistent session redelivers it and a rewrite of the same point is idempotent.
        if (this.client.disconnecting && (err as NodeJS.ErrnoException).code === 'ERR_STREAM_WRITE_AFTER_END') {
          logger.info({ clientId: opts.clientId }, 'telemetry consumer: ack not sent while closing; the broker will redeliver');
          return;
        }
        // A link the broker cut mid-handshake (it may still be closing the session this client id held
        // before a crash) is retried by mqtt.js; a refusal or an unreachable broker stops a start.
        const code = (err as NodeJS.ErrnoException).code;
        if (!settled && (code === 'EPIPE' || code === 'ECONNRESET')) {
          logger.warn({ err: err.message, url: opts.mqttUrl, clientId: opts.clientId }, 'telemetry consumer: link cut while connecting; retrying');
          return;
        }
        logger.error({ err, url: opts.mqttUrl, clientId: opts.clientId }, 'telemetry consumer: MQTT error');
        fail(err);
      });
      this.client.on('connect', (connack) => {
        logger.info({ url: opts.mqttUrl, clientId: opts.clientId, sessionPresent: connack.sessionPresent }, 'telemetry consumer connected');
        subscribeAll(this.client, opts.subscriptions ?? TELEMETRY_SUBSCRIPTIONS).then(
          (refused) => {
            if (refused.length > 0) {
              const error = new Error(
                `broker refused subscriptions: ${refused.slice(0, 5).join(', ')}${refused.length > 5 ? ` (${refused.length} in all)` : ''}`,
              );
              logger.error({ err: error }, 'telemetry consumer: subscribe failed');
              return fail(error);
            }
            settled = true;
            this.link(true, now());
            resolve();
          },
          (err: Error) => {
            // The link closed before the SUBACK (a broker taking over the session a crashed client held): the next connect subscribes again.
            if (!settled && err.message === 'Connection closed') {
              logger.warn({ url: opts.mqttUrl, clientId: opts.clientId }, 'telemetry consumer: link closed before the SUBACK; retrying');
              return;
            }
            logger.error({ err }, 'telemetry consumer: subscribe failed');
            fail(err);
          },
        );
      });
    });
    const { beforeAck } = opts;
    if (beforeAck) {
      this.client.handleMessage = (packet, callback) => {
        const wait = beforeAck(packet.topic);
        if (!wait) return callback();
        wait.then(() => callback(), callback);
      };
    }
    // Avoid an unhandled rejection when the caller only awaits ready later (or never).
    this.ready.catch(() => {});
    this.client.on('offline', () => logger.warn({ url: opts.mqttUrl }, 'telemetry consumer offline; reconnecting'));
    this.client.on('close', () => this.link(false, now()));

    this.client.on('message', (topic, payload, packet) => {
      const receivedAt = now();
      counters.received.inc();
      const decoded = decodeTelemetry(topic, payload, registry, receivedAt);
      if (!decoded.ok) {
        counters.rejected.inc({ reason: decoded.reason });
        rejections.record(decoded.reason, decoded.detail, topic);
        this.deliver('rejected', decoded.reason, decoded.detail, topic);
        return;
      }
      counters.accepted.inc();
      const message = decoded.message;
      // decodeTelemetry refuses stations missing from the registry, so the state exists.
      const state = applyTelemetry(this.states.get(message.stationId)!, message);
      this.states.set(message.stationId, state);
      const meta: TelemetryMeta = { retained: packet.retain, receivedAt, deviceTime: !(message.channel === 'status' && message.data.ts === undefined) };
      this.deliver('telemetry', message, state, meta);
    });
  }

  private link(up: boolean, at: number): void {
    if (up === this.linked) return;
    this.linked = up;
    this.deliver('link', up, at);
  }

  on(event: 'telemetry' | 'rejected' | 'link', listener: (...args: never[]) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off(event: 'telemetry' | 'rejected' | 'link', listener: (...args: never[]) => void): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** A failing listener must not break the MQTT client's packet handling (or the other listeners' view). */
  private deliver(event: string, ...args: unknown[]): void {
    try {
      this.events.emit(event, ...args);
    } catch (err) {
      this.opts.logger.error({ err, event }, 'telemetry consumer: a listener threw');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.summaryTimer);
    await this.client.endAsync();
  }
}

/** An MQTT subscriber to all station telemetry that validates every message and keeps each station's last state. */
export function createTelemetryConsumer(opts: TelemetryConsumerOptions): TelemetryConsumer {
  return new Consumer(opts);
}
