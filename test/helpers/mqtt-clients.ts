import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { TestBroker } from './broker.js';

/** An mqtt.js client (MQTT 3.1.1, no auto-reconnect) logged in as `username` with its generated password. */
export function connectAs(b: TestBroker, username: string, options: IClientOptions & { url?: string } = {}): Promise<MqttClient> {
  const { url, ...rest } = options;
  return mqtt.connectAsync(url ?? b.url, {
    username,
    password: b.credentials[username],
    clientId: username,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...rest,
  });
}

/** Resolves with the next message on a topic (any topic when omitted); rejects after `ms`. */
export function nextMessage(client: MqttClient, topic?: string, ms = 5000): Promise<{ topic: string; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no message${topic ? ` on ${topic}` : ''} within ${ms} ms`));
    }, ms);
    function onMessage(t: string, payload: Buffer) {
      if (topic !== undefined && t !== topic) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve({ topic: t, payload });
    }
    client.on('message', onMessage);
  });
}

/** Resolves when the client's connection closes; rejects after `ms`. */
export function closed(client: MqttClient, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected && client.disconnected) return resolve();
    const timer = setTimeout(() => reject(new Error(`connection still open after ${ms} ms`)), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The current value of broker_refusals_total{kind, reason}. */
export async function refusals(b: TestBroker, kind: string, reason: string): Promise<number> {
  const { values } = await b.broker.metrics.refusals.get();
  return values.find((v) => v.labels.kind === kind && v.labels.reason === reason)?.value ?? 0;
}
