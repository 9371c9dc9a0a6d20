import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { ShownState } from './live.js';

// Only the ECharts parts in use; no map or tile server: stations are drawn on plain
// longitude/latitude axes with district boxes as the outline, so it works offline.
echarts.use([ScatterChart, LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, MarkAreaComponent, CanvasRenderer]);

export type Chart = echarts.ECharts;

const charts = new WeakMap<HTMLElement, Chart>();

export function chartIn(el: HTMLElement): Chart {
  let chart = charts.get(el);
  if (!chart) {
    chart = echarts.init(el, 'dark', { renderer: 'canvas' });
    charts.set(el, chart);
    new ResizeObserver(() => chart!.resize()).observe(el);
  }
  return chart;
}

export const STATE_COLORS: Record<ShownState, string> = { open: '#3fb950', closed: '#58a6ff', offline: '#f85149', unknown: '#8b949e' };
