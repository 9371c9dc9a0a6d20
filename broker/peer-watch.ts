// The other nodes of a broker cluster, as aedes announces them: every node publishes `$SYS/<id>/heartbeat`
// through the shared emitter (Redis) each heartbeat interval.
//
// Why a node cares when a peer goes silent: a publish is queued in Redis for the persistent sessions (redis-sessions.ts)
// and then emitted to the nodes; a node killed between the two leaves the message queued but never sent live, and
// a subscriber connected to another node would only get it at its next reconnect. A gap in this node's own Redis
// subscription (a reconnect of the link) drops messages the same way. Either is reported once through `onGap`.
import type { Aedes } from 'aedes';

/** A node not heard of for this many heartbeat intervals is taken for dead (aedes uses the same for its wills). */
const SILENT_INTERVALS = 3;

interface ClusterEmitter {
  on(topic: string, listener: (packet: { payload: Buffer }, done: () => void) => void): void;
  state?: { on(event: 'subConnect', listener: () => void): void };
}

export interface PeerWatch {
  /** Peers heard of and not yet taken for dead. */
  readonly peers: ReadonlySet<string>;
  stop(): void;
}

export function watchPeers(
  aedes: Aedes,
  o: { heartbeatMs: number; now?: () => number; onGap: (reason: 'peer_lost' | 'emitter_reconnected', peers: string[]) => void },
): PeerWatch {
  const now = o.now ?? Date.now;
  const seen = new Map<string, number>();
  const mq = (aedes as unknown as { mq: ClusterEmitter }).mq;
  mq.on('$SYS/+/heartbeat', (packet, done) => {
    const id = packet.payload.toString();
    if (id !== aedes.id) seen.set(id, now());
    done();
  });
  let connects = 0;
  mq.state?.on('subConnect', () => {
    if (++connects > 1) o.onGap('emitter_reconnected', []);
  });
  const timer = setInterval(() => {
    const lost = [...seen].filter(([, at]) => now() - at > SILENT_INTERVALS * o.heartbeatMs).map(([id]) => id);
    for (const id of lost) seen.delete(id);
    if (lost.length > 0) o.onGap('peer_lost', lost);
  }, o.heartbeatMs);
  timer.unref();
  return {
    get peers() {
      return new Set(seen.keys());
    },
    stop: () => clearInterval(timer),
  };
}
