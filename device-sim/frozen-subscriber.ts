import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../lib/logger.js';
import { TELEMETRY_SUBSCRIPTIONS } from '../domain/topics.js';

// A subscriber that takes all telemetry at QoS 1 and then stops reading its socket: what a
// hung dashboard looks like to the broker. The broker must cut it off rather than let it stall
// delivery to everyone; when cut off it comes back and freezes again.

export interface FrozenSubscriber {
  /** Times the broker disconnected it. */
  readonly cutOff: number;
  close(): Promise<void>;
}

export async function startFrozenSubscriber(o: { brokerUrl: string; username: string; password?: string; logger: Logger }): Promise<FrozenSubscriber> {
  let cutOff = 0;
  let closing = false;
  let client: MqttClient;
  const freeze = async (): Promise<void> => {
    // keepalive 0: no PINGREQ, so nothing forces it to read.
    client = await mqtt.connectAsync(o.brokerUrl, {
      username: o.username,
      password: o.password,
      clientId: `${o.username}-frozen`,
      protocolVersion: 4,
      keepalive: 0,
      reconnectPeriod: 0,
      clean: true,
    });
    await client.subscribeAsync([...TELEMETRY_SUBSCRIPTIONS], { qos: 1 });
    client.stream.unpipe();
    client.stream.pause();
    o.logger.info({ username: o.username }, 'frozen subscriber stopped reading');
    client.stream.once('close', () => {
      if (closing) return;
      cutOff++;
      o.logger.info({ cutOff }, 'frozen subscriber was disconnected by the broker; freezing again');
      setTimeout(() => void freeze().catch((err: Error) => o.logger.warn({ err: err.message }, 'frozen subscriber reconnect failed')), 1000);
    });
  };
  await freeze();
  return {
    get cutOff() {
      return cutOff;
    },
    async close() {
      closing = true;
      client.stream.destroy();
      await client.endAsync(true);
    },
  };
}
