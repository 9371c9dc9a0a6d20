import { connect, type Socket } from 'node:net';
import * as mqttPacket from 'mqtt-packet';
import type { TestBroker } from './broker.js';

/**
 * A bare MQTT connection over TCP: bytes as the test writes them, packets as they arrive. For what a well-behaved
 * client library will not send (pipelined CONNECT+PUBLISH, MQTT 5, bad protocol names, invalid UTF-8 topics) and
 * for connect-and-drop churn without a library's reconnect logic in the way.
 */
export interface RawConnection {
  socket: Socket;
  /** Resolves with the next packet of this command; rejects if the connection closes first or after `ms`. */
  next(cmd: mqttPacket.PacketCmd, ms?: number): Promise<mqttPacket.Packet>;
  /** Resolves when the broker (or anyone) has closed the connection. */
  closed: Promise<void>;
  send(...packets: (mqttPacket.Packet | Buffer)[]): void;
}

export function rawConnect(b: Pick<TestBroker, 'port'>): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(b.port, '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const packets: mqttPacket.Packet[] = [];
    const waiters: Array<() => void> = [];
    let isClosed = false;
    socket.on('data', (chunk) => parser.parse(chunk));
    parser.on('packet', (packet) => {
      packets.push(packet);
      for (const w of waiters.splice(0)) w();
    });
    const closed = new Promise<void>((done) =>
      socket.once('close', () => {
        isClosed = true;
        for (const w of waiters.splice(0)) w();
        done();
      }),
    );
    socket.on('error', () => {}); // a reset by the broker is an expected outcome; `closed` reports it
    const next = (cmd: mqttPacket.PacketCmd, ms = 5000) =>
      new Promise<mqttPacket.Packet>((ok, fail) => {
        // A wait that timed out must not take a packet that comes later.
        const timer = setTimeout(() => {
          const i = waiters.indexOf(check);
          if (i >= 0) waiters.splice(i, 1);
          fail(new Error(`no ${cmd} within ${ms} ms`));
        }, ms);
        const check = () => {
          const i = packets.findIndex((p) => p.cmd === cmd);
          if (i >= 0) {
            clearTimeout(timer);
            return ok(packets.splice(i, 1)[0]!);
          }
          if (isClosed) {
            clearTimeout(timer);
            return fail(new Error(`connection closed before ${cmd}`));
          }
          waiters.push(check);
        };
        check();
      });
    const send = (...items: (mqttPacket.Packet | Buffer)[]) => socket.write(Buffer.concat(items.map((p) => (Buffer.isBuffer(p) ? p : mqttPacket.generate(p)))));
    socket.once('connect', () => resolve({ socket, next, closed, send }));
    socket.once('error', reject);
  });
}

/** A CONNECT packet of MQTT 3.1.1 for a test broker account (its generated password). */
export const connectPacket = (
  b: Pick<TestBroker, 'credentials'>,
  username: string,
  extra: Partial<mqttPacket.IConnectPacket> = {},
): mqttPacket.IConnectPacket => ({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 4,
  clean: true,
  keepalive: 60,
  clientId: username,
  username,
  password: Buffer.from(b.credentials[username] ?? 'no-password'),
  ...extra,
});

/**
 * A PUBLISH packet built by hand, so its topic can be any bytes (invalid UTF-8, NUL), which mqtt-packet's
 * generator would re-encode.
 */
export function rawPublish(topic: Buffer, payload: Buffer, qos: 0 | 1 = 0, messageId = 1): Buffer {
  const id = qos > 0 ? Buffer.from([messageId >> 8, messageId & 0xff]) : Buffer.alloc(0);
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, id, payload]);
  const length: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    length.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x30 | (qos << 1), ...length]), body]);
}
