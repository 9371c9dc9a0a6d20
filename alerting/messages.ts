import type { Alert, Severity } from '../domain/alerts.js';
import { districtByCode, type DistrictCode } from '../domain/districts.js';
import { TZ_OFFSET_MS } from '../domain/schedule.js';

// What a notification says. Pure: one message per district group (a power cut in one district
// is one message, not fifty), Chinese first with English second, within the robots' size limits.

export type NotificationKind = 'firing' | 'resolved' | 'escalated';

export interface NotificationEvent {
  kind: NotificationKind;
  alert: Alert;
}

export type Audience = 'district' | 'city';

export interface NotificationGroup {
  audience: Audience;
  /** null for a city-wide report. */
  district: DistrictCode | null;
  events: NotificationEvent[];
}

export interface RenderedMessage {
  title: string;
  markdown: string;
  text: string;
}

const SEVERITY_ZH: Record<Severity, string> = { critical: '严重', major: '重要', minor: '一般', info: '提示' };
const KIND_ZH: Record<NotificationKind, string> = { firing: '新告警', resolved: '已恢复', escalated: '超时未确认（已升级）' };
const KIND_ORDER: NotificationKind[] = ['escalated', 'firing', 'resolved'];
const SEVERITY_ORDER: Severity[] = ['critical', 'major', 'minor', 'info'];

/** Groups events per (audience, district); escalations go to the city staff, the rest to the district. */
export function groupEvents(events: readonly NotificationEvent[]): Array<NotificationGroup & { district: DistrictCode }> {
  const groups = new Map<string, NotificationGroup>();
  for (const e of events) {
    const audience: Audience = e.kind === 'escalated' ? 'city' : 'district';
    const id = `${audience}:${e.alert.district}`;
    const g: NotificationGroup = groups.get(id) ?? { audience, district: e.alert.district, events: [] };
    g.events.push(e);
    groups.set(id, g);
  }
  return [...groups.values()] as Array<NotificationGroup & { district: DistrictCode }>;
}

const hhmm = (t: number): string => new Date(t + TZ_OFFSET_MS).toISOString().slice(5, 16).replace('T', ' ');

/** Largest message the robots accept: WeCom 4096 bytes of markdown; DingTalk allows more. */
export const MAX_MARKDOWN_BYTES = 4000;

export function renderGroup(group: NotificationGroup & { district: DistrictCode }): RenderedMessage {
  const d = districtByCode(group.district);
  const count = (k: NotificationKind) => group.events.filter((e) => e.kind === k).length;
  const counts = KIND_ORDER.filter((k) => count(k) > 0).map((k) => `${KIND_ZH[k]} ${count(k)} 条`);
  const prefix = group.audience === 'city' ? '【驿站告警升级】' : '【驿站告警】';
  const title = `${prefix}${d.nameZh} ${counts.join('，')}`;
  const sorted = [...group.events].sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      SEVERITY_ORDER.indexOf(a.alert.severity) - SEVERITY_ORDER.indexOf(b.alert.severity) ||
      a.alert.key.localeCompare(b.alert.key),
  );
  const line = (e: NotificationEvent): string => {
    const a = e.alert;
    const when = e.kind === 'resolved' && a.resolvedAt !== undefined ? `恢复于 ${hhmm(a.resolvedAt)}` : `自 ${hhmm(a.firstSeen)}`;
    return `- **[${KIND_ZH[e.kind]}·${SEVERITY_ZH[a.severity]}]** ${a.summaryZh}（${when}）\n  ${a.summaryEn}`;
  };
  const head = `### ${title}\n${d.nameZh} ${d.nameEn} · ${counts.join(' · ')}\n\n`;
  const foot = (rest: number) => (rest > 0 ? `\n- ……另有 ${rest} 条 (${rest} more)` : '');
  const lines = sorted.map(line);
  let shown = lines.length;
  const body = (n: number) => head + lines.slice(0, n).join('\n') + foot(lines.length - n);
  while (shown > 0 && Buffer.byteLength(body(shown)) > MAX_MARKDOWN_BYTES) shown--;
  const markdown = body(shown);
  const text = `${title}\n\n${lines.map((l) => l.replace(/\*\*/g, '')).join('\n')}\n`;
  return { title, markdown, text };
}
