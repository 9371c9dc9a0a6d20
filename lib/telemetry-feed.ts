import { EventEmitter } from 'node:events';
import { Counter, type Registry as MetricsRegistry } from 'prom-client';
import type { Registry } from '../domain/registry.js';
import { applyTelemetry, initialState, type StationState } from '../domain/station-state.js';
import { decodeTelemetry, REJECT_REASONS, type RejectReason, type Telemetry } from '../domain/telemetry.js';
import type { Logger } from './logger.js';
import { clip, createSampledLog } from './sampled-log.js';

// Station telemetry as the services see it: validated, folded into each station's last state, and
// emitted. Fed either by an MQTT subscription (telemetry-consumer.ts) or by the broker itself, which
// hands over each accepted publish before its PUBACK (the ingest embedded in a broker node).

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
  /** Resolves once receiving; rejects if the broker refuses the connection or a subscription. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface FeedOptions {
  registry: Registry;
  logger: Logger;
  metrics: MetricsRegistry;
  now?: () => number;
  /** Rejections logged in full per reason and interval; the rest only counted and summarised. */
  rejectLog?: { perReason: number; intervalMs: number };
}

/** Counters shared by every feed on one metrics registry (the all-in-one process may run several). */
function feedMetrics(metrics: MetricsRegistry) {
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

/** The feed's receiving side: whoever delivers the messages calls these. */
export interface FeedInput {
  /** One message as received; listeners run before this returns. */
  receive(topic: string, payload: Buffer, retained: boolean): void;
  /** Receiving started or stopped (emitted once per change). */
  link(up: boolean, at: number): void;
  /** Ends the rejection log's timer. */
  stop(): void;
}

export class TelemetryFeed implements FeedInput {
  private readonly events = new EventEmitter();
  readonly states = new Map<string, StationState>();
  private readonly counters: ReturnType<typeof feedMetrics>;
  private readonly rejections: ReturnType<typeof createRejectionLog>;
  private readonly summaryTimer: NodeJS.Timeout;
  protected readonly now: () => number;
  private linked = false;

  constructor(private readonly opts: FeedOptions) {
    for (const station of opts.registry.stations) this.states.set(station.id, initialState(station));
    this.now = opts.now ?? Date.now;
    this.counters = feedMetrics(opts.metrics);
    const { perReason, intervalMs } = opts.rejectLog ?? { perReason: 5, intervalMs: 60_000 };
    this.rejections = createRejectionLog(opts.logger, perReason);
    this.summaryTimer = setInterval(() => this.rejections.summarise(), intervalMs).unref();
  }

  receive(topic: string, payload: Buffer, retained: boolean): void {
    const receivedAt = this.now();
    this.counters.received.inc();
    const decoded = decodeTelemetry(topic, payload, this.opts.registry, receivedAt);
    if (!decoded.ok) {
      this.counters.rejected.inc({ reason: decoded.reason });
      this.rejections.record(decoded.reason, decoded.detail, topic);
      this.deliver('rejected', decoded.reason, decoded.detail, topic);
      return;
    }
    this.counters.accepted.inc();
    const message = decoded.message;
    // decodeTelemetry refuses stations missing from the registry, so the state exists.
    const state = applyTelemetry(this.states.get(message.stationId)!, message);
    this.states.set(message.stationId, state);
    const meta: TelemetryMeta = { retained, receivedAt, deviceTime: !(message.channel === 'status' && message.data.ts === undefined) };
    this.deliver('telemetry', message, state, meta);
  }

  link(up: boolean, at: number): void {
    if (up === this.linked) return;
    this.linked = up;
    this.deliver('link', up, at);
  }

  stop(): void {
    clearInterval(this.summaryTimer);
  }

  on(event: 'telemetry' | 'rejected' | 'link', listener: (...args: never[]) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off(event: 'telemetry' | 'rejected' | 'link', listener: (...args: never[]) => void): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** A failing listener must not break the delivery of messages (or the other listeners' view). */
  private deliver(event: string, ...args: unknown[]): void {
    try {
      this.events.emit(event, ...args);
    } catch (err) {
      this.opts.logger.error({ err, event }, 'telemetry feed: a listener threw');
    }
  }
}

/**
 * A feed its owner delivers to in-process (the broker's hook, see ingest/ingest.ts startEmbeddedIngest). The
 * owner calls link(true) once its listeners are on; close() ends the link.
 */
export function createLocalFeed(opts: FeedOptions): TelemetryConsumer & FeedInput {
  return new LocalFeed(opts);
}

class LocalFeed extends TelemetryFeed implements TelemetryConsumer {
  readonly ready = Promise.resolve();
  async close(): Promise<void> {
    this.link(false, this.now());
    this.stop();
  }
}
