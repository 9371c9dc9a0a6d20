import type { Alert, AlertTransition, Silence } from '../domain/alerts.js';
import type { RuleContext } from './catalog.js';
import { alertKey, emptyTrack, observe, type Track } from './lifecycle.js';
import type { ResolvedRule } from './rule-config.js';

// Evaluates every rule of one station at one instant: conditions → lifecycle → silences and
// inhibition. Pure: tracks in, tracks and transitions out.

export interface StationEvaluation {
  ctx: RuleContext;
  rules: readonly ResolvedRule[];
  /** Current tracks of this station by key; absent keys are inactive. */
  tracks: ReadonlyMap<string, Track>;
  silences: readonly Silence[];
  escalateAfterMs: number;
}

export interface StationResult {
  /** Tracks that changed (put them back in the store of tracks). */
  changed: Track[];
  transitions: AlertTransition[];
}

export const OFFLINE_RULE = 'station_offline';

export function isSilenced(silences: readonly Silence[], stationId: string, ruleId: string, now: number): boolean {
  return silences.some((s) => s.stationId === stationId && s.from <= now && now < s.until && (s.ruleIds.length === 0 || s.ruleIds.includes(ruleId)));
}

const withSuppression = (alert: Alert, by: Alert['suppressedBy']): Alert => {
  if (alert.suppressedBy === by) return alert;
  const { suppressedBy: _old, ...rest } = alert;
  return by === undefined ? rest : { ...rest, suppressedBy: by };
};

export function evaluateStation(e: StationEvaluation): StationResult {
  const { ctx } = e;
  const changed: Track[] = [];
  const transitions: AlertTransition[] = [];
  let offlineOpen = false;
  // The offline rule first, whatever the order given: the others' inhibition depends on its outcome now.
  const ordered = [...e.rules.filter((r) => r.spec.id === OFFLINE_RULE), ...e.rules.filter((r) => r.spec.id !== OFFLINE_RULE)];
  for (const rule of ordered) {
    const key = alertKey(ctx.station.id, rule.spec.id);
    const before = e.tracks.get(key) ?? emptyTrack(key);
    const firing = before.alert !== null;
    const finding = rule.enabled ? rule.spec.check(ctx, rule.params, firing) : null;
    const suppressedBy = isSilenced(e.silences, ctx.station.id, rule.spec.id, ctx.now)
      ? 'silence'
      : rule.spec.inhibitedByOffline && offlineOpen
        ? 'inhibition'
        : undefined;
    const step = observe(
      before,
      {
        summary: finding && {
          zh: `${ctx.station.name}（${ctx.station.id}）${rule.spec.descriptionZh}：${finding.detailZh}`,
          en: `${ctx.station.id} ${rule.spec.descriptionEn}: ${finding.detailEn}`,
        },
        ruleId: rule.spec.id,
        stationId: ctx.station.id,
        district: ctx.station.district,
        severity: rule.severity,
        forMs: rule.forMs,
        keepFiringMs: rule.keepFiringMs,
        escalateAfterMs: e.escalateAfterMs,
        muted: suppressedBy !== undefined,
      },
      ctx.now,
    );
    let track = step.track;
    if (rule.spec.id === OFFLINE_RULE) offlineOpen = track.alert !== null;
    if (track.alert) {
      const alert = withSuppression(track.alert, suppressedBy);
      if (alert !== track.alert) track = { ...track, alert };
    }
    if (track !== before) changed.push(track);
    transitions.push(...step.transitions.map((t) => (t.to === 'resolved' || !track.alert ? t : { ...t, alert: track.alert })));
  }
  return { changed, transitions };
}
