import type { MqttClient } from 'mqtt';
import { TELEMETRY_SUBSCRIPTIONS } from '../../domain/topics.js';
import type { TestBroker } from '../helpers/broker.js';
import { connectAs } from '../helpers/mqtt-clients.js';

// A platform-side subscriber (the dashboard's service account) that records everything the
// simulated stations publish, as the rules engine would receive it.

export interface Observed {
  topic: string;
  text: string;
  /** Parsed JSON, or undefined when the payload is not JSON. */
  json: Record<string, unknown> | undefined;
  retain: boolean;
  receivedAt: number;
  /** The simulator's clock at reception, when one was given. */
  simulatedAt: number;
}

export interface Observer {
  client: MqttClient;
  messages: Observed[];
  of(stationId: string, channel: string): Observed[];
  waitFor(predicate: (m: Observed) => boolean, ms?: number, what?: string): Promise<Observed>;
  close(): Promise<void>;
}

export async function observe(b: TestBroker, clientId = 'svc-dashboard-observer', simClock: () => number = Date.now): Promise<Observer> {
  const client = await connectAs(b, 'svc-dashboard', { clientId });
  const messages: Observed[] = [];
  const waiters = new Set<() => void>();
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString('utf8');
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    messages.push({ topic, text, json, retain: packet.retain, receivedAt: Date.now(), simulatedAt: simClock() });
    for (const w of waiters) w();
  });
  await client.subscribeAsync([...TELEMETRY_SUBSCRIPTIONS], { qos: 1 });
  return {
    client,
    messages,
    of: (stationId, channel) => messages.filter((m) => m.topic.startsWith(`qdyz/v1/${stationId}/${channel}`)),
    waitFor(predicate, ms = 20_000, what = 'message') {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = messages.find(predicate);
          if (!m) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(m);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${what} within ${ms} ms (${messages.length} messages seen)`));
        }, ms);
        waiters.add(check);
      });
    },
    close: () => client.endAsync(),
  };
}
