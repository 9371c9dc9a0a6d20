import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { TIMEZONE } from '../domain/schedule.js';
import { INFLUX_DATASOURCE } from './datasource.js';

// The shell every board shares, and the finishing pass that makes the JSON stable and complete.

export const BOARD_TAG = 'qdyz';

export interface BoardSpec {
  /** Stable across installs: the HTTP provisioning and the provisioning files use the same uid. */
  uid: string;
  title: string;
  description: string;
  from?: string;
}

export function board(spec: BoardSpec): dashboard.DashboardBuilder {
  return (
    new dashboard.DashboardBuilder(spec.title)
      .uid(spec.uid)
      .description(spec.description)
      .tags([BOARD_TAG])
      // Stations keep Beijing time (UTC+8) and so do their schedules.
      .timezone(TIMEZONE)
      .time({ from: spec.from ?? 'now-24h', to: 'now' })
      .refresh('1m')
      .tooltip(dashboard.DashboardCursorSync.Crosshair)
      .link(
        new dashboard.DashboardLinkBuilder('驿站看板 Station boards')
          .type(dashboard.DashboardLinkType.Dashboards)
          .tags([BOARD_TAG])
          .asDropdown(true)
          .includeVars(true)
          .keepTime(true),
      )
  );
}

/** A panel as it appears in the dashboard JSON (the parts the finishing pass and the tests read). */
export interface PanelJson {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Array<Record<string, unknown>>;
  interval?: string;
  maxDataPoints?: number;
  panels?: PanelJson[];
  [key: string]: unknown;
}

export interface DashboardJson {
  uid: string;
  title: string;
  panels: PanelJson[];
  templating: { list: Array<Record<string, unknown>> };
  [key: string]: unknown;
}

/**
 * Builds and finishes a board: panel ids numbered in layout order (Grafana needs them unique, and
 * stable ids keep the generated files diff-friendly), and every panel that queries bound to the
 * InfluxDB data source. JSON round-trip drops the SDK's marker functions.
 */
export function finish(builder: dashboard.DashboardBuilder): DashboardJson {
  const json = JSON.parse(JSON.stringify(builder.build())) as DashboardJson;
  json.templating = { list: json.templating?.list ?? [] };
  let id = 1;
  for (const panel of json.panels) {
    panel.id = id++;
    if (panel.targets?.length) panel.datasource = { ...INFLUX_DATASOURCE };
  }
  return json;
}
