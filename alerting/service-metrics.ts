import { Counter, Gauge, Histogram, type Registry as MetricsRegistry } from 'prom-client';

// The alerting service's metrics, reused when a process builds the service twice on one
// registry (tests, restarts in place).

export function alertingMetrics(m: MetricsRegistry) {
  const metric = <T>(name: string, make: () => T): T => (m.getSingleMetric(name) as T | undefined) ?? make();
  return {
    transitionsTotal: metric(
      'alert_transitions_total',
      () => new Counter({ name: 'alert_transitions_total', help: 'Alert transitions by rule and new state', labelNames: ['rule', 'to'], registers: [m] }),
    ),
    openAlerts: metric(
      'alerts_open',
      () => new Gauge({ name: 'alerts_open', help: 'Open (firing or acknowledged) alerts by severity', labelNames: ['severity'], registers: [m] }),
    ),
    historyMessages: metric(
      'alerting_history_messages_total',
      () =>
        new Counter({
          name: 'alerting_history_messages_total',
          help: 'Telemetry older than the live window: counted for compliance, not judged by the alert rules',
          registers: [m],
        }),
    ),
    evalSeconds: metric(
      'alert_evaluation_seconds',
      () =>
        new Histogram({
          name: 'alert_evaluation_seconds',
          help: 'Time to judge every station once',
          buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2],
          registers: [m],
        }),
    ),
  };
}
export type AlertingMetrics = ReturnType<typeof alertingMetrics>;
