import test from 'ava';
import { MqttFrameMeter } from '../../broker/packet-limit.js';

/** A PUBLISH (QoS 0) frame with a body of `bodyBytes`: type byte, variable-length remaining length, body. */
function frame(bodyBytes: number): Buffer {
  const length: number[] = [];
  let n = bodyBytes;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    length.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x30, ...length]), Buffer.alloc(bodyBytes, 0x61)]);
}

test('packets up to the limit pass, in any chunking', (t) => {
  const stream = Buffer.concat([frame(10), frame(0), frame(1000 - 3), frame(300)]); // 1 + 2 + 997 = 1000 bytes exactly
  for (const chunkSize of [1, 2, 7, 64, stream.length]) {
    const meter = new MqttFrameMeter(1000);
    for (let i = 0; i < stream.length; i += chunkSize) t.is(meter.push(stream.subarray(i, i + chunkSize)), null, `chunk ${chunkSize} at ${i}`);
  }
});

test('an oversized packet is reported from its length field, before its body arrives', (t) => {
  const meter = new MqttFrameMeter(1000);
  t.is(meter.push(frame(20)), null);
  const big = frame(5000);
  t.is(meter.push(big.subarray(0, 2)), null, 'first length byte (continuation) alone does not reach the limit yet');
  t.is(meter.push(big.subarray(2, 3)), 1 + 2 + 5000);
});

test('a packet one byte over the limit is caught; a 256 MiB length claim too', (t) => {
  t.is(new MqttFrameMeter(1000).push(frame(1000 - 2)), 1001);
  t.true((new MqttFrameMeter(1000).push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])) ?? 0) > 1000);
  t.not(new MqttFrameMeter(1 << 30).push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), null, 'five length bytes are malformed');
});
