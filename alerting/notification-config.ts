import { readJson } from '../lib/json-file.js';
import { z } from 'zod';
import { DISTRICT_CODES } from '../domain/districts.js';

// Who hears about what: the receivers of each district's maintainers, and the city staff who
// get escalations. Validated; every bad field is named.

const httpUrl = z.url({ protocol: /^https?$/ });

export const ReceiverSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('wecom'),
    name: z.string().min(1).optional(),
    url: httpUrl.describe('企业微信群机器人 webhook URL (…/cgi-bin/webhook/send?key=…)'),
  }),
  z.strictObject({
    type: z.literal('dingtalk'),
    name: z.string().min(1).optional(),
    url: httpUrl.describe('钉钉自定义机器人 webhook URL (…/robot/send?access_token=…)'),
    secret: z.string().min(1).describe('The robot’s 加签 secret (SEC…): requests are signed with HMAC-SHA256'),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    name: z.string().min(1).optional(),
    url: httpUrl,
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string())
      .default({})
      .describe('Extra headers, e.g. an Authorization token'),
  }),
  z.strictObject({ type: z.literal('email'), name: z.string().min(1).optional(), to: z.array(z.email()).min(1) }),
]);
export type Receiver = z.infer<typeof ReceiverSchema>;

export const NotificationConfigSchema = z
  .strictObject({
    version: z.literal(1),
    smtp: z
      .strictObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535),
        secure: z.boolean().default(false).describe('TLS from the start (port 465); false = STARTTLS when offered'),
        from: z.string().min(3),
        auth: z.strictObject({ user: z.string().min(1), pass: z.string().min(1) }).optional(),
      })
      .optional(),
    retry: z
      .strictObject({
        attempts: z.number().int().min(1).max(20).default(5),
        baseDelayMs: z.number().int().min(1).max(600_000).default(2000),
        maxDelayMs: z.number().int().min(1).max(3_600_000).default(120_000),
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      })
      .prefault({}),
    /** City monitoring staff: escalations of unacknowledged alerts. */
    city: z.array(ReceiverSchema).default([]),
    districts: z.partialRecord(z.enum(DISTRICT_CODES), z.array(ReceiverSchema)).default({}),
  })
  .superRefine((c, ctx) => {
    const all = [...c.city, ...Object.values(c.districts).flat()];
    if (all.some((r) => r?.type === 'email') && !c.smtp) ctx.addIssue({ code: 'custom', path: ['smtp'], message: 'email receivers need an "smtp" section' });
  });
export type NotificationConfig = z.infer<typeof NotificationConfigSchema>;

export class NotificationConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid notification configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'NotificationConfigError';
  }
}

export function parseNotificationConfig(data: unknown, source = 'notifications'): NotificationConfig {
  const r = NotificationConfigSchema.safeParse(data);
  if (!r.success) throw new NotificationConfigError(r.error.issues.map((i) => `${source}: ${i.path.join('.') || '(file)'}: ${i.message}`));
  return r.data;
}

export function loadNotificationConfig(path: string): NotificationConfig {
  return parseNotificationConfig(
    readJson(path, (file, problems) => new NotificationConfigError(problems.map((p) => `${file}: ${p}`))),
    path,
  );
}
