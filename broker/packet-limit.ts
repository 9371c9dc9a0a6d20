import { Duplex } from 'node:stream';

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
 * Bytes handed to aedes at a time. aedes parses whatever one read returns and handles all its packets at once,
 * reading again only when every one of them is done: a 64 kB socket chunk of small publishes is some 500 of
 * them in progress (held, under back-pressure) for a client that does not wait for its PUBACKs. Slices bound
 * that to a few dozen per connection.
 */
export const READ_SLICE_BYTES = 4096;

/**
 * Wraps a connection so that reads pass through the meter, in slices of READ_SLICE_BYTES, and writes go straight
 * to it. An oversized packet destroys the connection with a PacketTooLargeError; `onBytes` sees every byte
 * received (for metrics).
 *
 * Writes matter for speed: mqtt-packet writes a packet in pieces (header, topic, id, payload) inside a
 * cork. The wrapper hands a corked batch to the socket as one corked write, so a packet — or a burst of
 * packets — leaves in one system call instead of one per piece (writes were the broker's top cost).
 */
export function limitPacketSize(conn: Duplex, limit: number, hooks: { onBytes(n: number): void }): Duplex {
  const meter = new MqttFrameMeter(limit);
  let ondrain: (() => void) | null = null;
  /** The rest of a socket chunk not yet handed on. */
  let pending: Buffer | null = null;
  let ended = false;
  const feed = (): void => {
    while (pending) {
      const slice = pending.subarray(0, READ_SLICE_BYTES);
      pending = pending.length > READ_SLICE_BYTES ? pending.subarray(READ_SLICE_BYTES) : null;
      if (!guarded.push(slice)) return void conn.pause();
    }
    if (ended) guarded.push(null);
    else conn.resume();
  };
  const written = (ok: boolean, callback: () => void) => (ok ? callback() : (ondrain = callback));
  const guarded = new Duplex({
    readableHighWaterMark: READ_SLICE_BYTES,
    read: feed,
    write: (chunk: Buffer, encoding, callback) => written(conn.write(chunk, encoding), callback),
    writev: (chunks, callback) => {
      conn.cork();
      let ok = true;
      for (const { chunk, encoding } of chunks) ok = conn.write(chunk, encoding as BufferEncoding);
      conn.uncork();
      written(ok, callback);
    },
    final: (callback) => void conn.end(callback),
    destroy: (err, callback) => {
      conn.destroy(err ?? undefined);
      callback(err);
    },
  });
  conn.on('drain', () => {
    const callback = ondrain;
    ondrain = null;
    callback?.();
  });
  conn.on('data', (chunk: Buffer) => {
    hooks.onBytes(chunk.length);
    const oversized = meter.push(chunk);
    if (oversized !== null) return void guarded.destroy(new PacketTooLargeError(oversized, limit));
    pending = chunk;
    feed();
  });
  conn.on('end', () => {
    ended = true;
    if (!pending) guarded.push(null);
  });
  conn.on('error', (err) => guarded.destroy(err));
  conn.on('close', () => guarded.destroy());
  return guarded;
}
