import { connect as tcpConnect } from 'node:net';
import { MqttClient, connect, type IClientOptions } from 'mqtt';
import type { Logger } from '../lib/logger.js';
import type { StatusPayload } from '../domain/telemetry.js';
import { telemetryTopic } from '../domain/topics.js';
import type { StatsRecorder } from './stats.js';

// One station's MQTT link: its own client id and credentials, MQTT 3.1.1, a retained Last Will
// on its status topic. Drops end the socket without DISCONNECT so the broker fires the will.

const MAX_BACKLOG = 10_000;

export interface StationConnectionOptions {
  stationId: string;
  brokerUrl: string;
  password?: string;
  will: StatusPayload;
  keepaliveS: number;
  /**
   * First delay before reconnecting after an unexpected close: each retry waits a random time between
   * it and twice it, doubling after every failed attempt up to `maxReconnectMs`, so the stations of a
   * broker restart come back spread out rather than in lockstep (as real firmware should, docs/simulator.md).
   */
  reconnectMs: number;
  maxReconnectMs?: number;
  /** Source of the jitter, [0, 1); Math.random by default. */
  random?: () => number;
  /** Loopback source address (127.0.0.x) for tests with more connections than one address has ports. */
  localAddress?: string;
  stats: StatsRecorder;
  logger: Logger;
  /** Called on every CONNACK; `afterModelDrop` when the behaviour model itself cut and restored the link. */
  onConnect(first: boolean, afterModelDrop: boolean): void;
  /** Called when a publish is acknowledged or fails. */
  onAck?(): void;
  /**
   * QoS 1 messages on the wire without a PUBACK before later ones wait in the backlog, as a device's
   * inflight window: a broker that holds PUBACKs (back-pressure, issue 12) then slows the station down.
   * Unlimited when absent.
   */
  maxInFlight?: number;
}

export class StationConnection {
  /** Replaced after each drop: a fresh client, as a rebooted or re-associated device would open. */
  client: MqttClient;
  private readonly options: IClientOptions;
  private connectedOnce = false;
  private dropped = false;
  private down = false;
  private refusedLogged = false;
  private ending = false;
  private failedAttempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** QoS 1 messages sent on the current link and not yet acknowledged. */
  private inFlight = 0;
  /** Samples taken while the link is down or the window is full, sent in order later (store and forward, as a real gateway does). */
  private backlog: Array<{ topic: string; payload: string | Buffer; qos: 0 | 1; retain: boolean; done: (error?: Error) => void }> = [];

  constructor(private readonly o: StationConnectionOptions) {
    this.options = {
      clientId: o.stationId,
      username: o.stationId,
      password: o.password,
      protocolVersion: 4,
      keepalive: o.keepaliveS,
      clean: true,
      // Reconnects are ours (see reconnectMs): mqtt.js would retry at one fixed period.
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      will: { topic: telemetryTopic({ stationId: o.stationId, channel: 'status' }), payload: Buffer.from(JSON.stringify(o.will)), qos: 1, retain: true },
    };
    this.client = this.open();
  }

  private open(): MqttClient {
    const o = this.o;
    let client: MqttClient;
    if (o.localAddress) {
      const url = new URL(o.brokerUrl);
      const host = url.hostname;
      const port = Number(url.port || 1883);
      const localAddress = o.localAddress;
      client = new MqttClient(() => tcpConnect({ host, port, localAddress }), { ...this.options, host, port, protocol: 'mqtt' });
    } else {
      client = connect(o.brokerUrl, this.options);
    }
    client.on('close', () => {
      // The broker went away or refused us: like a cut link, unacknowledged messages wait in the backlog.
      if (client !== this.client || this.down || this.ending) return;
      this.cut();
      this.retryTimer = setTimeout(() => this.reconnect(), this.backoffMs());
    });
    client.on('connect', () => {
      this.failedAttempts = 0;
      const first = !this.connectedOnce;
      if (!first) o.stats.reconnects++;
      this.connectedOnce = true;
      const expected = this.dropped;
      this.dropped = false;
      this.pump();
      o.onConnect(first, expected);
    });
    client.on('error', (err) => {
      // Refused CONNECTs (bad credentials) repeat on every retry: count each, log once.
      if ((err as { code?: number }).code === 4 || (err as { code?: number }).code === 5) o.stats.refused++;
      // A connect attempt still under way when the station was stopped fails afterwards: not news, and logged it would
      // land after the run's summary on stdout (the summary must be the last line, test/device-sim/cli.test.ts).
      if (!this.refusedLogged && !this.ending) o.logger.warn({ station: o.stationId, err: err.message }, 'station connection error');
      this.refusedLogged = true;
    });
    return client;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean): void {
    const recorded = this.o.stats.published(this.o.stationId);
    const done = (error?: Error): void => {
      recorded(error);
      this.o.onAck?.();
    };
    if (this.client.connected && this.backlog.length === 0 && this.windowOpen()) this.send(topic, payload, qos, retain, done);
    else if (this.backlog.length < MAX_BACKLOG) this.backlog.push({ topic, payload, qos, retain, done });
    else done(new Error('offline backlog full'));
  }

  private windowOpen(): boolean {
    return this.inFlight < (this.o.maxInFlight ?? Number.POSITIVE_INFINITY);
  }

  /** Sends what waits in the backlog, in order, while the link is up and the window has room. */
  private pump(): void {
    while (this.backlog.length > 0 && this.client.connected && !this.down && this.windowOpen()) {
      const m = this.backlog.shift()!;
      this.send(m.topic, m.payload, m.qos, m.retain, m.done);
    }
  }

  private send(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean, done: (error?: Error) => void): void {
    const client = this.client;
    if (qos === 1) this.inFlight++;
    client.publish(topic, payload, { qos, retain }, (err) => {
      // Counted per link: a new link (reconnect) starts with an empty window.
      if (qos === 1 && client === this.client) this.inFlight--;
      // A QoS 1 message still awaiting its PUBACK when the model cut the link is sent again on the
      // next link, as a store-and-forward device does (a duplicate, if the broker had it, is the same
      // point in InfluxDB). Messages of a connection being ended on purpose fail.
      const cutUnderIt = err && qos === 1 && (client !== this.client || this.down) && !this.ending;
      if (!cutUnderIt) done(err ?? undefined);
      else if (!this.down && this.client !== client && this.client.connected) this.send(topic, payload, qos, retain, done);
      else if (this.backlog.length < MAX_BACKLOG) this.backlog.push({ topic, payload, qos, retain, done });
      else done(new Error('offline backlog full'));
      this.pump();
    });
  }

  /** Loses the link without DISCONNECT (Wi-Fi gone, power cut): the broker publishes the Last Will. */
  drop(): void {
    this.dropped = true;
    this.cut();
  }

  /** Ends the socket without DISCONNECT; messages awaiting their PUBACK are sent again after reconnecting. */
  private cut(): void {
    if (this.down) return;
    this.down = true;
    const old = this.client;
    old.removeAllListeners('connect');
    old.options.reconnectPeriod = 0;
    old.end(true);
  }

  /** Jittered exponential back-off: [d, 2d) with d = reconnectMs × 2^(failed attempts), d capped. */
  private backoffMs(): number {
    const o = this.o;
    const d = Math.min(o.maxReconnectMs ?? 60_000, o.reconnectMs * 2 ** this.failedAttempts++);
    return d * (1 + (o.random ?? Math.random)());
  }

  reconnect(): void {
    clearTimeout(this.retryTimer);
    if (!this.down) return;
    this.down = false;
    this.inFlight = 0;
    this.client = this.open();
  }

  /** Every station of a storm drops and comes back at the same instant. */
  storm(): void {
    this.cut();
    setImmediate(() => this.reconnect());
  }

  /** Clean shutdown: a retained offline status, then DISCONNECT (no Last Will). */
  async end(shutdown: StatusPayload | null, qos: 0 | 1): Promise<void> {
    this.ending = true;
    clearTimeout(this.retryTimer);
    for (const m of this.backlog) m.done(new Error('stopped while offline'));
    this.backlog = [];
    if (!this.client.connected) {
      // Offline (dropped, or reconnecting): nothing to wait for; stop any reconnect.
      await this.client.endAsync(true).catch(() => undefined);
      return;
    }
    if (shutdown) this.publish(telemetryTopic({ stationId: this.o.stationId, channel: 'status' }), JSON.stringify(shutdown), qos, true);
    // Wait for in-flight acks, but not forever: a broker that went away never sends them. (A closed
    // socket ends at once; the bound is for a broker that is connected but slow, as on a loaded machine.)
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)));
    await Promise.race([this.client.endAsync(false).catch(() => undefined), timeout]);
    clearTimeout(timer);
    this.client.stream?.destroy();
  }
}
