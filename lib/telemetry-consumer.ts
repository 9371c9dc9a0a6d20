import { connect, type MqttClient } from 'mqtt';
import { TELEMETRY_SUBSCRIPTIONS } from '../domain/topics.js';
import { type FeedOptions, TelemetryFeed, type TelemetryConsumer } from './telemetry-feed.js';

export interface TelemetryConsumerOptions extends FeedOptions {
  mqttUrl: string;
  username: string;
  password: string;
  /** Stable across restarts, so the broker keeps the persistent session (and queues QoS 1 messages) while we are away. */
  clientId: string;
  /** false (default): persistent session. */
  clean?: boolean;
  /** Topic filters to receive; all telemetry (TELEMETRY_SUBSCRIPTIONS) by default, a partition's topics for a worker of several. */
  subscriptions?: readonly string[];
  /**
   * Called after the 'telemetry' listeners of a message ran, before its PUBACK: a promise holds the
   * PUBACK (and, as mqtt.js handles packets one at a time, every later message) until it settles.
   */
  beforeAck?: (topic: string) => Promise<void> | undefined;
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

class Consumer extends TelemetryFeed implements TelemetryConsumer {
  readonly ready: Promise<void>;
  private readonly client: MqttClient;

  constructor(opts: TelemetryConsumerOptions) {
    super(opts);
    const { logger } = opts;

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
            this.link(true, this.now());
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
    this.client.on('close', () => this.link(false, this.now()));

    this.client.on('message', (topic, payload, packet) => this.receive(topic, payload, packet.retain));
  }

  async close(): Promise<void> {
    this.stop();
    await this.client.endAsync();
  }
}

/** An MQTT subscriber to all station telemetry that validates every message and keeps each station's last state. */
export function createTelemetryConsumer(opts: TelemetryConsumerOptions): TelemetryConsumer {
  return new Consumer(opts);
}
