import type { Alert, AlertFilter, AlertingPort, AlertTransition, Attestation, ComplianceSnapshot, Silence } from '../../../domain/alerts.js';

/**
 * A small in-memory AlertingPort for the REST/Socket.IO tests that need alerts in a known
 * state; the browser test drives the real alerting service instead.
 */
export class MemoryAlerting implements AlertingPort {
  readonly alerts = new Map<string, Alert>();
  readonly silenceList: Silence[] = [];
  readonly attestationList: Attestation[] = [];
  readonly snapshots: ComplianceSnapshot[] = [];
  private listeners = new Set<(t: AlertTransition) => void>();

  /** Fires (or re-fires) an alert and tells the listeners. */
  fire(alert: Omit<Alert, 'key' | 'state' | 'escalated' | 'lastSeen'> & { key?: string }): Alert {
    const full: Alert = { ...alert, key: alert.key ?? `${alert.stationId}:${alert.ruleId}`, state: 'firing', escalated: false, lastSeen: alert.firstSeen };
    this.alerts.set(full.key, full);
    this.emit({ alert: full, from: null, to: 'firing', at: full.firstSeen });
    return full;
  }

  private emit(t: AlertTransition): void {
    for (const l of this.listeners) l(t);
  }

  list(filter: AlertFilter = {}): Alert[] {
    return [...this.alerts.values()].filter(
      (a) =>
        (!filter.district || a.district === filter.district) &&
        (!filter.stationId || a.stationId === filter.stationId) &&
        (!filter.state || a.state === filter.state) &&
        (!filter.severity || a.severity === filter.severity),
    );
  }
  scheduleOf(): undefined {
    return undefined;
  }
  get(key: string): Alert | undefined {
    return this.alerts.get(key);
  }
  async acknowledge(key: string, by: string, comment: string): Promise<Alert> {
    const a = this.alerts.get(key)!;
    const next: Alert = { ...a, state: 'acknowledged', acknowledgedBy: by, acknowledgedAt: Date.now(), ackComment: comment };
    this.alerts.set(key, next);
    this.emit({ alert: next, from: a.state, to: 'acknowledged', at: Date.now(), by });
    return next;
  }
  async resolve(key: string, by: string, comment?: string): Promise<Alert> {
    const a = this.alerts.get(key)!;
    const next: Alert = { ...a, state: 'resolved', resolvedBy: by, resolvedAt: Date.now(), ...(comment ? { resolveComment: comment } : {}) };
    this.alerts.set(key, next);
    this.emit({ alert: next, from: a.state, to: 'resolved', at: Date.now(), by });
    return next;
  }
  async silence(input: Omit<Silence, 'id'>): Promise<Silence> {
    const s = { ...input, id: `s${this.silenceList.length + 1}` };
    this.silenceList.push(s);
    return s;
  }
  silences(stationId?: string): Silence[] {
    return this.silenceList.filter((s) => !stationId || s.stationId === stationId);
  }
  async attest(a: Attestation): Promise<void> {
    this.attestationList.push(a);
  }
  attestations(stationId: string): Attestation[] {
    return this.attestationList.filter((a) => a.stationId === stationId);
  }
  compliance(stationId?: string): ComplianceSnapshot[] {
    return this.snapshots.filter((c) => !stationId || c.stationId === stationId);
  }
  onTransition(listener: (t: AlertTransition) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
