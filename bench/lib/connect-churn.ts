// Connect-and-drop churn, run in its own process (`runConnectChurn`): each station opens a TCP connection, sends
// CONNECT and closes as soon as the CONNACK arrives (or, with `refusedPublish`, pipelines a PUBLISH to a topic it may
// not use and waits for the broker to close it), over and over. In a process of its own the client reacts while the
// broker is still busy, which is when a connection can end between the CONNACK and aedes' clientReady.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import * as mqttPacket from 'mqtt-packet';
import { projectPath } from '../../lib/paths.js';

export interface ChurnConfig {
  port: number;
  /** station id → password; the stations run in parallel, each cycling on its own client id. */
  stations: Record<string, string>;
  cycles: number;
  /** A topic the stations may not publish to: each cycle's first PUBLISH goes there and is refused. */
  refusedPublish?: string;
}

function cycle(config: ChurnConfig, id: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(config.port, '127.0.0.1');
    socket.on('error', () => {}); // a reset is one way a cycle ends
    socket.on('close', () => resolve());
    const packets: mqttPacket.Packet[] = [
      {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        keepalive: 60,
        clientId: id,
        username: id,
        password: Buffer.from(config.stations[id]!),
      },
    ];
    if (config.refusedPublish) packets.push({ cmd: 'publish', topic: config.refusedPublish, payload: Buffer.from('{}'), qos: 0, dup: false, retain: false });
    socket.once('data', () => {
      if (!config.refusedPublish)
        socket.destroy(); // on the CONNACK
      else socket.resume(); // until the broker closes
    });
    socket.on('connect', () => socket.write(Buffer.concat(packets.map((p) => mqttPacket.generate(p)))));
  });
}

async function main(config: ChurnConfig): Promise<void> {
  await Promise.all(
    Object.keys(config.stations).map(async (id) => {
      for (let i = 0; i < config.cycles; i++) await cycle(config, id);
    }),
  );
  process.stdout.write(JSON.stringify({ cycles: config.cycles * Object.keys(config.stations).length }) + '\n');
}

/** Runs the churn in a child process; resolves with the number of cycles once they have all ended. */
export function runConnectChurn(config: ChurnConfig): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', projectPath('bench/lib/connect-churn.ts')], {
      env: { ...process.env, CHURN_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve((JSON.parse(out) as { cycles: number }).cycles) : reject(new Error(`connect churn exited with ${code}`))));
  });
}

if (process.env.CHURN_CONFIG) await main(JSON.parse(process.env.CHURN_CONFIG) as ChurnConfig);
