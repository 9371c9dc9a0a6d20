import { createHmac } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import type { NotificationGroup, RenderedMessage } from './messages.js';
import type { NotificationConfig, Receiver } from './notification-config.js';

// One sender per receiver type. Each throws on failure; `permanent` marks failures a retry
// cannot fix (a refused request), everything else is retried by the notifier.

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export type Send = (message: RenderedMessage, group: NotificationGroup) => Promise<void>;

/** DingTalk robot 加签: base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)). */
export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

async function postJson(url: string, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new DeliveryError(`POST ${new URL(url).host}: ${(e as Error).message}`, false);
  }
  const text = await res.text();
  if (!res.ok)
    throw new DeliveryError(`POST ${new URL(url).host}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status >= 400 && res.status < 500 && res.status !== 429);
  return text;
}

/** WeCom and DingTalk answer HTTP 200 with {"errcode":0} on success and a non-zero code otherwise. */
function expectErrcodeZero(text: string, who: string): void {
  let errcode: unknown;
  try {
    errcode = (JSON.parse(text) as { errcode?: unknown }).errcode;
  } catch {
    throw new DeliveryError(`${who}: answer is not JSON: ${text.slice(0, 200)}`, false);
  }
  if (errcode !== 0) throw new DeliveryError(`${who}: errcode ${String(errcode)}: ${text.slice(0, 200)}`, false);
}

export function createSender(receiver: Receiver, config: NotificationConfig, now: () => number = Date.now): Send {
  const timeoutMs = config.retry.timeoutMs;
  switch (receiver.type) {
    case 'wecom':
      return async (m) => expectErrcodeZero(await postJson(receiver.url, { msgtype: 'markdown', markdown: { content: m.markdown } }, {}, timeoutMs), 'wecom');
    case 'dingtalk':
      return async (m) => {
        const timestamp = now();
        const url = new URL(receiver.url);
        url.searchParams.set('timestamp', String(timestamp));
        url.searchParams.set('sign', dingtalkSign(receiver.secret, timestamp));
        expectErrcodeZero(await postJson(url.toString(), { msgtype: 'markdown', markdown: { title: m.title, text: m.markdown } }, {}, timeoutMs), 'dingtalk');
      };
    case 'webhook':
      return async (m, g) => {
        await postJson(
          receiver.url,
          {
            version: 1,
            audience: g.audience,
            district: g.district,
            title: m.title,
            text: m.text,
            events: g.events.map((e) => ({ kind: e.kind, alert: e.alert })),
            sentAt: now(),
          },
          receiver.headers,
          timeoutMs,
        );
      };
    case 'email': {
      const smtp = config.smtp!;
      const transport: Transporter = createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        auth: smtp.auth,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      return async (m) => {
        try {
          await transport.sendMail({ from: smtp.from, to: receiver.to, subject: m.title, text: m.text });
        } catch (e) {
          const code = (e as { responseCode?: number }).responseCode;
          throw new DeliveryError(`smtp ${smtp.host}: ${(e as Error).message}`, code !== undefined && code >= 500);
        }
      };
    }
  }
}

export const receiverLabel = (r: Receiver): string => r.name ?? (r.type === 'email' ? `email:${r.to.join(',')}` : `${r.type}:${new URL(r.url).host}`);
