import { Duplex, Transform } from 'node:stream';

/**
 * Follows MQTT fixed headers through a byte stream and reports the first packet larger than `limit` bytes
 * (header + remaining-length bytes + body) as soon as its length field is read — before its body arrives.
 * mqtt-packet's parser has no size limit and would buffer up to 256 MiB per packet, so the limit has to act
 * on the transport, ahead of aedes.
 */
export class MqttFrameMeter {
  private state: 'header' | 'length' | 'body' = 'header';
  private length = 0;
  private lengthBytes = 0;
  private multiplier = 1;
  private bodyLeft = 0;

  constructor(readonly limit: number) {}

  /** Returns the size of an oversized (or malformed-length) packet, or null when everything so far is fine. */
  push(chunk: Uint8Array): number | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'header') {
        i++;
        this.state = 'length';
        this.length = 0;
        this.lengthBytes = 0;
        this.multiplier = 1;
      } else if (this.state === 'length') {
        const byte = chunk[i++]!;
        this.length += (byte & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        const size = 1 + this.lengthBytes + this.length;
        if (size > this.limit || (this.lengthBytes === 4 && byte & 0x80)) return size;
        if ((byte & 0x80) === 0) {
          this.bodyLeft = this.length;
          this.state = this.bodyLeft > 0 ? 'body' : 'header';
        }
      } else {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        i += take;
        this.bodyLeft -= take;
        if (this.bodyLeft === 0) this.state = 'header';
      }
    }
    return null;
  }
}

export class PacketTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`MQTT packet of ${size} bytes exceeds the ${limit}-byte limit`);
    this.name = 'PacketTooLargeError';
  }
}

/**
 * Wraps a connection so that reads pass through the meter and writes go straight to it. An oversized packet
 * destroys the connection with a PacketTooLargeError; `onBytes` sees every byte received (for metrics).
 */
export function limitPacketSize(conn: Duplex, limit: number, hooks: { onBytes(n: number): void }): Duplex {
  const meter = new MqttFrameMeter(limit);
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hooks.onBytes(chunk.length);
      const oversized = meter.push(chunk);
      if (oversized === null) callback(null, chunk);
      else callback(new PacketTooLargeError(oversized, limit));
    },
  });
  conn.pipe(guard);
  guard.on('error', () => conn.destroy());
  return Duplex.from({ readable: guard, writable: conn });
}
