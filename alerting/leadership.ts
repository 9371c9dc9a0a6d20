import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Gauge, type Registry as MetricsRegistry } from 'prom-client';
import { z } from 'zod';
import { AlertingError, type AlertingPort, type AlertTransition } from '../domain/alerts.js';
import { DAY_MS } from '../domain/schedule.js';
import type { Db } from '../lib/db/database.js';
import type { Logger } from '../lib/logger.js';
import { redisLease } from '../lib/redis-lease.js';
import type { RulesConfig } from '../rules/rule-config.js';
import type { AlertingRole, HostedAlerting } from './host.js';
import { alertMirror } from './shared-alerts.js';

// The alerting of several dashboard nodes: each node hosts the alerting service as a follower (it
// computes compliance and shows the leader's alerts from the shared table) until it takes the Redis
// lease; the holder is the one leader that judges rules, writes alert state (under its fencing
// token) and notifies. Changes users make on any node (acknowledge, resolve, silence, attest) are
// sent to the leader over Redis, so alert state keeps one writer and one order per alert.

const LEASE_KEY = 'qdyz:alerting:leader';
const REQUESTS = 'qdyz:alerting:requests';
const replyChannel = (nodeId: string): string => `qdyz:alerting:reply:${nodeId}`;
/** A change not answered by the leader within this time is refused as unavailable. */
const FORWARD_TIMEOUT_MS = 10_000;

const Request = z.object({
  id: z.string().max(64),
  replyTo: z.string().max(200),
  call: z.discriminatedUnion('op', [
    z.object({ op: z.literal('acknowledge'), key: z.string().max(200), by: z.string().max(200), comment: z.string().max(2000) }),
    z.object({ op: z.literal('resolve'), key: z.string().max(200), by: z.string().max(200), comment: z.string().max(2000).optional() }),
    // The service validates the records themselves (station, rules, items).
    z.object({ op: z.literal('silence'), input: z.record(z.string(), z.unknown()) }),
    z.object({ op: z.literal('attest'), attestation: z.record(z.string(), z.unknown()) }),
  ]),
});
type Call = z.infer<typeof Request>['call'];
const Reply = z.object({
  id: z.string(),
  ok: z.boolean(),
  value: z.unknown().optional(),
  code: z.enum(['not_found', 'conflict', 'invalid', 'unavailable']).optional(),
  message: z.string().optional(),
});

export interface AlertingNodeOptions {
  /** Commands and the lease; a second connection is made for subscriptions. */
  redis: Redis;
  nodeId: string;
  leaseMs: number;
  /** How often a follower re-reads the alert table. */
  mirrorRefreshMs: number;
  db: Db;
  /** hostAlerting with everything but the role. */
  host: (role: AlertingRole) => Promise<HostedAlerting>;
  logger: Logger;
  metrics: MetricsRegistry;
}

export interface AlertingNode {
  /** The AlertingPort the dashboard uses, the same object whichever role this node has now. */
  port: AlertingPort;
  rules: RulesConfig;
  close(): Promise<void>;
}

export async function startAlertingNode(o: AlertingNodeOptions): Promise<AlertingNode> {
  const { redis, nodeId, logger } = o;
  const log = logger.child({ component: 'alerting-leadership', node: nodeId });
  const leaderGauge = new Gauge({ name: 'alerting_leader', help: '1 while this node holds the alerting lease', registers: [o.metrics] });
  const sub = redis.duplicate();
  const listeners = new Set<(t: AlertTransition) => void>();
  const relay = (t: AlertTransition): void => {
    for (const l of listeners) l(t);
  };

  // Retention of resolved alerts is a rule setting: the first host (a follower) reads the rules.
  let retentionMs = 7 * DAY_MS;
  const liveMirror = await alertMirror({ db: o.db, retentionMs: () => retentionMs, refreshMs: o.mirrorRefreshMs, logger: log });
  let current = await o.host({ kind: 'follower', mirror: liveMirror });
  retentionMs = current.rules.resolvedRetentionDays * DAY_MS;
  await liveMirror.refresh();
  let offTransition = current.service.onTransition(relay);
  let leading = false;

  async function swap(next: HostedAlerting): Promise<void> {
    const old = current;
    offTransition();
    current = next;
    offTransition = next.service.onTransition(relay);
    await old.close();
  }

  // ---- the leader answers changes sent by followers
  async function run(call: Call): Promise<unknown> {
    const s = current.service;
    switch (call.op) {
      case 'acknowledge':
        return s.acknowledge(call.key, call.by, call.comment);
      case 'resolve':
        return s.resolve(call.key, call.by, call.comment);
      case 'silence':
        return s.silence(call.input as unknown as Parameters<AlertingPort['silence']>[0]);
      case 'attest':
        return s.attest(call.attestation as unknown as Parameters<AlertingPort['attest']>[0]);
    }
  }
  const pendingReplies = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  sub.on('message', (channel: string, raw: string) => {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = null;
    }
    if (channel === REQUESTS) {
      const req = Request.safeParse(json);
      if (!req.success) return void log.warn({ event: 'alerting_request_invalid', issues: req.error.issues.length }, 'forwarded change does not parse');
      if (!leading) return;
      const reply = (body: object): void => void redis.publish(req.data.replyTo, JSON.stringify({ id: req.data.id, ...body })).catch(() => undefined);
      run(req.data.call).then(
        (value) => reply({ ok: true, value }),
        (err: unknown) => {
          const e = err as { name?: string; code?: string; message?: string };
          reply({ ok: false, code: e.name === 'AlertingError' ? e.code : 'unavailable', message: e.message ?? String(err) });
        },
      );
      return;
    }
    const rep = Reply.safeParse(json);
    if (!rep.success) return;
    const waiter = pendingReplies.get(rep.data.id);
    if (!waiter) return;
    pendingReplies.delete(rep.data.id);
    clearTimeout(waiter.timer);
    if (rep.data.ok) waiter.resolve(rep.data.value);
    else waiter.reject(new AlertingError(rep.data.code ?? 'unavailable', rep.data.message ?? 'refused by the alerting leader'));
  });
  await sub.subscribe(replyChannel(nodeId));

  async function forward(call: Call): Promise<unknown> {
    const id = randomUUID();
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        pendingReplies.delete(id);
        reject(new AlertingError('unavailable', 'the alerting leader did not answer: try again in a few seconds'));
      }, FORWARD_TIMEOUT_MS);
      pendingReplies.set(id, { resolve, reject, timer });
    });
    const receivers = await redis.publish(REQUESTS, JSON.stringify({ id, replyTo: replyChannel(nodeId), call }));
    if (receivers === 0) {
      const w = pendingReplies.get(id);
      pendingReplies.delete(id);
      if (w) clearTimeout(w.timer);
      throw new AlertingError('unavailable', 'no alerting leader right now (the lease is changing hands): try again in a few seconds');
    }
    const value = await answer;
    // Show the change here at once, not at the next re-read.
    await liveMirror.refresh().catch(() => undefined);
    return value;
  }
  const change = (call: Call): Promise<unknown> => (leading ? run(call) : forward(call));

  // ---- the lease
  const lease = redisLease({ redis, key: LEASE_KEY, nodeId, ttlMs: o.leaseMs, logger: log });
  let stopping = false;
  const campaign = (async () => {
    while (!stopping) {
      const leadership = await lease.acquire();
      if (!leadership) return;
      let fenced!: () => void;
      const fencedOut = new Promise<void>((resolve) => (fenced = resolve));
      try {
        const leader = await o.host({ kind: 'leader', fence: leadership.token, valid: leadership.valid, onFenced: () => fenced() });
        await swap(leader);
        leading = true;
        leaderGauge.set(1);
        await sub.subscribe(REQUESTS);
        log.info({ event: 'alerting_leader', fence: leadership.token }, 'this node leads the alerting');
        await Promise.race([leadership.lost, fencedOut]);
      } catch (err) {
        log.error({ err }, 'taking the alerting lead failed');
      }
      leading = false;
      leaderGauge.set(0);
      await sub.unsubscribe(REQUESTS).catch(() => undefined);
      await leadership.release();
      if (stopping) return;
      log.warn({ event: 'alerting_follower', fence: leadership.token }, 'this node no longer leads the alerting');
      await swap(await o.host({ kind: 'follower', mirror: liveMirror }));
    }
  })();

  const port: AlertingPort = {
    list: (filter) => current.service.list(filter),
    get: (key) => current.service.get(key),
    silences: (stationId) => current.service.silences(stationId),
    attestations: (stationId) => current.service.attestations(stationId),
    compliance: (stationId) => current.service.compliance(stationId),
    scheduleOf: (stationId) => current.service.scheduleOf(stationId),
    onTransition(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    acknowledge: async (key, by, comment) => (await change({ op: 'acknowledge', key, by, comment })) as Awaited<ReturnType<AlertingPort['acknowledge']>>,
    resolve: async (key, by, comment) =>
      (await change({ op: 'resolve', key, by, ...(comment === undefined ? {} : { comment }) })) as Awaited<ReturnType<AlertingPort['resolve']>>,
    silence: async (input) => (await change({ op: 'silence', input: { ...input } })) as Awaited<ReturnType<AlertingPort['silence']>>,
    attest: async (attestation) => void (await change({ op: 'attest', attestation: { ...attestation } })),
  };

  return {
    port,
    get rules() {
      return current.rules;
    },
    async close() {
      stopping = true;
      await lease.stop();
      await campaign;
      for (const w of pendingReplies.values()) clearTimeout(w.timer);
      offTransition();
      liveMirror.close();
      await current.close();
      sub.disconnect();
    },
  };
}
