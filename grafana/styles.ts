import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DISTRICTS, type District } from '../domain/districts.js';
import type { AlertState } from '../domain/alerts.js';
import type { Appliance } from '../domain/equipment.js';
import type { SpeakerCategory } from '../domain/telemetry.js';

// Shared colours and mappings, so "open" looks the same on every board.

/** Percent gauges: red below 80 %, orange below 95 %, green above. */
export const percentThresholds = (): dashboard.ThresholdsConfigBuilder =>
  new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: 'red' },
    { value: 80, color: 'orange' },
    { value: 95, color: 'green' },
  ]);

/** Stored 0/1 states (domain/series.ts keeps booleans as integers) shown as words and colours. */
export function binaryMapping(zero: string, one: string, oneColor = 'green', zeroColor = 'red'): dashboard.ValueMapping[] {
  return [
    {
      type: dashboard.MappingType.ValueToText,
      options: { '0': { text: zero, color: zeroColor, index: 0 }, '1': { text: one, color: oneColor, index: 1 } },
    },
  ];
}

export const OPEN_CLOSED = binaryMapping('关闭 Closed', '开放 Open');
export const ONLINE_OFFLINE = binaryMapping('离线 Offline', '在线 Online');
export const DOOR = binaryMapping('门关 Door shut', '门开 Door open', 'blue', 'transparent');
export const OK_FAULT = binaryMapping('正常 OK', '故障 Fault', 'red', 'green');

/** A district as the boards name it: Chinese first, then English. */
export const districtLabel = (d: District): string => `${d.nameZh} ${d.nameEn}`;

/** District codes (the stored tag) shown with their Chinese and English names. */
export const DISTRICT_NAMES: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: Object.fromEntries(DISTRICTS.map((d, index) => [d.code, { text: districtLabel(d), index }])),
  },
];

/** Display names of the AI speaker's query categories (the stored fields are q_<category>). */
export const SPEAKER_LABELS: Record<SpeakerCategory, string> = {
  news_policy: '新闻政策 News & policy',
  qa: '问答 Q&A',
  learning: '学习 Learning',
  relaxation: '休闲 Relaxation',
  life_services: '生活服务 Life services',
};

export const APPLIANCE_LABELS: Record<Appliance, string> = {
  water_dispenser: '饮水机 Water dispenser',
  microwave: '微波炉 Microwave',
  fridge: '冰箱 Fridge',
  fan: '电风扇 Fan',
  air_conditioner: '空调 Air conditioner',
  power_strip: '电源插座 Power strip',
  lockers: '贮物柜 Lockers',
};

type Overridable<P> = { overrideByName(name: string, properties: dashboard.DynamicConfigValue[]): P };

/** Gives series or columns named by a stored value (a category, a district code) their display name. */
export function withDisplayNames<P extends Overridable<P>>(panel: P, names: Record<string, string>): P {
  for (const [name, label] of Object.entries(names)) panel.overrideByName(name, [{ id: 'displayName', value: label }]);
  return panel;
}

/** The per-category columns of a speaker query (aliased `$col`). */
export const withSpeakerNames = <P extends Overridable<P>>(panel: P): P => withDisplayNames(panel, SPEAKER_LABELS);

/** Series aliased `$tag_appliance`. */
export const withApplianceNames = <P extends Overridable<P>>(panel: P): P => withDisplayNames(panel, APPLIANCE_LABELS);

/** Series aliased `$tag_district`. */
export const withDistrictNames = <P extends Overridable<P>>(panel: P): P =>
  withDisplayNames(panel, Object.fromEntries(DISTRICTS.map((d) => [d.code, districtLabel(d)])));

/** A table column of percentages, its cell coloured by percentThresholds. */
export const percentCell = (): dashboard.DynamicConfigValue[] => [
  { id: 'unit', value: 'percent' },
  { id: 'decimals', value: 1 },
  { id: 'custom.cellOptions', value: { type: 'color-background' } },
  { id: 'thresholds', value: percentThresholds().build() },
];

/** Alert states (domain/alerts.ts) in words and colours. */
export const ALERT_STATE_NAMES: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: {
      firing: { text: '告警中 Firing', color: 'red', index: 0 },
      acknowledged: { text: '已确认 Acknowledged', color: 'orange', index: 1 },
      resolved: { text: '已解决 Resolved', color: 'green', index: 2 },
    } satisfies Record<AlertState, dashboard.ValueMappingResult>,
  },
];
