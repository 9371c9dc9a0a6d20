import { AlertingError, type Alert, type AlertTransition, type Severity } from '../domain/alerts.js';
import type { DistrictCode } from '../domain/districts.js';

// One alert per (station, rule) key, with Alertmanager-like timing:
//   inactive → pending (condition holds, for < forMs) → firing → [acknowledged] → resolved
// A firing alert resolves only after its condition stayed clear for keepFiringMs, so a value
// hovering at a threshold does not flap. Pure: the clock is an argument.

export const alertKey = (stationId: string, ruleId: string): string => `${stationId}:${ruleId}`;

export interface Track {
  key: string;
  /** Condition holding since, while not yet firing. */
  pendingSince: number | null;
  /** Condition clear since, while firing or acknowledged. */
  clearSince: number | null;
  /** The open (firing or acknowledged) alert, if any. */
  alert: Alert | null;
  /**
   * When the open alert became audible (fired unmuted, or was unmuted while open); null while
   * muted. Escalation counts from here: city staff hear of an alert only after its district
   * had `escalateAfterMs` to act on it.
   */
  audibleSince: number | null;
}

export const emptyTrack = (key: string): Track => ({ key, pendingSince: null, clearSince: null, alert: null, audibleSince: null });

export interface Observation {
  /** The condition's finding now, or null when clear. */
  summary: { zh: string; en: string } | null;
  ruleId: string;
  stationId: string;
  district: DistrictCode;
  severity: Severity;
  forMs: number;
  keepFiringMs: number;
  escalateAfterMs: number;
  /** Silenced or inhibited now: nobody is told, so the escalation clock does not run. */
  muted: boolean;
}

export interface Step {
  track: Track;
  transitions: AlertTransition[];
}

const transition = (alert: Alert, from: AlertTransition['from'], to: AlertTransition['to'], at: number, by?: string): AlertTransition =>
  by === undefined ? { alert, from, to, at } : { alert, from, to, at, by };

/** Advances one key by one observation at `now`. */
export function observe(track: Track, o: Observation, now: number): Step {
  const open = track.alert;
  if (!open) {
    if (!o.summary) return { track: track.pendingSince === null ? track : { ...track, pendingSince: null }, transitions: [] };
    const since = track.pendingSince ?? now;
    if (now - since < o.forMs) return { track: since === track.pendingSince ? track : { ...track, pendingSince: since }, transitions: [] };
    const alert: Alert = {
      key: track.key,
      ruleId: o.ruleId,
      stationId: o.stationId,
      district: o.district,
      severity: o.severity,
      state: 'firing',
      summaryZh: o.summary.zh,
      summaryEn: o.summary.en,
      firstSeen: since,
      lastSeen: now,
      escalated: false,
    };
    return {
      track: { key: track.key, pendingSince: null, clearSince: null, alert, audibleSince: o.muted ? null : now },
      transitions: [transition(alert, null, 'firing', now)],
    };
  }

  const audibleSince = o.muted ? null : (track.audibleSince ?? now);
  if (o.summary) {
    let alert: Alert = { ...open, lastSeen: now, summaryZh: o.summary.zh, summaryEn: o.summary.en, severity: o.severity };
    const transitions: AlertTransition[] = [];
    if (alert.state === 'firing' && !alert.escalated && audibleSince !== null && now - audibleSince >= o.escalateAfterMs) {
      alert = { ...alert, escalated: true };
      transitions.push({ ...transition(alert, 'firing', 'firing', now), escalated: true });
    }
    return { track: { ...track, clearSince: null, alert, audibleSince }, transitions };
  }

  const clearSince = track.clearSince ?? now;
  if (now - clearSince < o.keepFiringMs) {
    const same = clearSince === track.clearSince && audibleSince === track.audibleSince;
    return { track: same ? track : { ...track, clearSince, audibleSince }, transitions: [] };
  }
  const resolved: Alert = { ...open, state: 'resolved', resolvedAt: now, resolvedBy: 'system' };
  return { track: emptyTrack(track.key), transitions: [transition(resolved, open.state, 'resolved', now, 'system')] };
}

/** A user acknowledges a firing alert. */
export function acknowledge(track: Track, by: string, comment: string, now: number): Step {
  const open = track.alert;
  if (!open) throw new AlertingError('not_found', `no open alert ${track.key}`);
  if (open.state !== 'firing') throw new AlertingError('conflict', `alert ${track.key} is already ${open.state}`);
  const alert: Alert = { ...open, state: 'acknowledged', acknowledgedBy: by, acknowledgedAt: now, ackComment: comment };
  return { track: { ...track, alert }, transitions: [transition(alert, 'firing', 'acknowledged', now, by)] };
}

/** A user resolves an open alert by hand; if the condition still holds it fires again after its `for` period. */
export function resolveByHand(track: Track, by: string, comment: string | undefined, now: number): Step {
  const open = track.alert;
  if (!open) throw new AlertingError('not_found', `no open alert ${track.key}`);
  const alert: Alert = { ...open, state: 'resolved', resolvedAt: now, resolvedBy: by };
  if (comment !== undefined) alert.resolveComment = comment;
  return { track: emptyTrack(track.key), transitions: [transition(alert, open.state, 'resolved', now, by)] };
}

/** Rebuilds a key's track from its newest stored transition (after a restart). */
export function trackFromTransition(t: AlertTransition, audibleSince: number | null): Track {
  if (t.to === 'resolved') return emptyTrack(t.alert.key);
  return { key: t.alert.key, pendingSince: null, clearSince: null, alert: t.alert, audibleSince };
}
