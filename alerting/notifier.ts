import { Counter, type Registry as MetricsRegistry } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import { createSender, DeliveryError, receiverLabel, type Send } from './channels.js';
import type { DistrictCode } from '../domain/districts.js';
import { groupEvents, renderGroup, type Audience, type NotificationEvent, type NotificationGroup, type RenderedMessage } from './messages.js';
import type { NotificationConfig, Receiver } from './notification-config.js';

// Gathers alert events for `groupWaitMs` (like Alertmanager's group_wait), then sends one
// message per district to each of that district's receivers, each with its own retries and
// exponential backoff, so one slow or broken receiver does not hold up the others.

export interface NotifierOptions {
  config: NotificationConfig;
  groupWaitMs: number;
  logger: Logger;
  metrics: MetricsRegistry;
  now?: () => number;
  /**
   * Asked before each gathered batch of alert events goes out; false (or a rejection) withholds it.
   * The alerting leader of several dashboard nodes stores the alert state under its fencing token here
   * and checks its lease, so a node that lost the lead sends nothing its successor will also send.
   */
  beforeSend?: () => Promise<boolean>;
}

export interface Notifier {
  notify(events: readonly NotificationEvent[]): void;
  /** Sends a prepared message (a report) to an audience's receivers now, with the same retries. */
  send(audience: Audience, district: DistrictCode | null, message: RenderedMessage): void;
  /** Sends what is gathered now and waits for every delivery (with its retries) to finish. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Delay before retry `attempt` (1-based): base × 2^(attempt−1), capped. */
export const backoffMs = (attempt: number, baseMs: number, maxMs: number): number => Math.min(maxMs, baseMs * 2 ** (attempt - 1));

export function createNotifier(o: NotifierOptions): Notifier {
  const { config, logger } = o;
  const sent =
    (o.metrics.getSingleMetric('alert_notifications_total') as Counter<'channel' | 'outcome'> | undefined) ??
    new Counter({
      name: 'alert_notifications_total',
      help: 'Notification deliveries by channel and outcome (sent, retried, failed; withheld: events a node that lost the alerting lead did not send)',
      labelNames: ['channel', 'outcome'],
      registers: [o.metrics],
    });
  const senders = new Map<Receiver, Send>();
  const senderOf = (r: Receiver): Send => {
    let s = senders.get(r);
    if (!s) senders.set(r, (s = createSender(r, config, o.now)));
    return s;
  };
  let pending: NotificationEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  const inFlight = new Set<Promise<void>>();
  const sleeps = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let closing = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const entry = { timer: setTimeout(() => (sleeps.delete(entry), resolve()), ms), resolve };
      sleeps.add(entry);
    });

  async function deliver(receiver: Receiver, group: NotificationGroup, message: RenderedMessage): Promise<void> {
    const label = receiverLabel(receiver);
    const { attempts, baseDelayMs, maxDelayMs } = config.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        await senderOf(receiver)(message, group);
        sent.inc({ channel: receiver.type, outcome: 'sent' });
        logger.info(
          { event: 'notification_sent', receiver: label, district: group.district, audience: group.audience, alerts: group.events.length, attempt },
          'notification sent',
        );
        return;
      } catch (e) {
        const permanent = e instanceof DeliveryError && e.permanent;
        if (permanent || attempt >= attempts || closing) {
          sent.inc({ channel: receiver.type, outcome: 'failed' });
          logger.error(
            { event: 'notification_failed', receiver: label, district: group.district, attempt, permanent, err: (e as Error).message },
            'notification not delivered',
          );
          return;
        }
        sent.inc({ channel: receiver.type, outcome: 'retried' });
        const delay = backoffMs(attempt, baseDelayMs, maxDelayMs);
        logger.warn({ event: 'notification_retry', receiver: label, attempt, delayMs: delay, err: (e as Error).message }, 'notification failed; retrying');
        await sleep(delay);
      }
    }
  }

  const receiversOf = (audience: Audience, district: DistrictCode | null): Receiver[] =>
    audience === 'city' ? config.city : district ? (config.districts[district] ?? []) : [];

  function dispatch(group: NotificationGroup, message: RenderedMessage): void {
    const receivers = receiversOf(group.audience, group.district);
    if (receivers.length === 0)
      logger.warn(
        { event: 'notification_unrouted', district: group.district, audience: group.audience, alerts: group.events.length },
        'no receiver configured',
      );
    for (const r of receivers) {
      const p = deliver(r, group, message).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }

  function sendNow(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    const events = pending;
    pending = [];
    const go = (): void => {
      for (const group of groupEvents(events)) dispatch(group, renderGroup(group));
    };
    if (!o.beforeSend || events.length === 0) {
      go();
      return;
    }
    const withhold = (err?: unknown): void => {
      sent.inc({ channel: 'all', outcome: 'withheld' }, events.length);
      logger.warn(
        { event: 'notification_withheld', alerts: events.length, err: (err as Error | undefined)?.message },
        'not the alerting leader: events not sent',
      );
    };
    const p = o
      .beforeSend()
      .then((ok) => (ok ? go() : withhold()), withhold)
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  return {
    notify(events) {
      if (events.length === 0) return;
      pending.push(...events);
      if (o.groupWaitMs === 0) sendNow();
      else timer ??= setTimeout(sendNow, o.groupWaitMs);
    },
    send(audience, district, message) {
      dispatch({ audience, district, events: [] }, message);
    },
    async flush() {
      sendNow();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close() {
      sendNow();
      closing = true;
      // Cut backoff waits short: each delivery then makes its final attempt and reports.
      for (const s of sleeps) {
        clearTimeout(s.timer);
        s.resolve();
      }
      sleeps.clear();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
