import { BarChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  CalendarComponent,
  DataZoomComponent,
  GeoComponent,
  GraphicComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { ShownState } from './live.js';

// Only the ECharts parts in use (echarts/core plus each chart and component), so the bundle
// carries no unused chart types. The map is ECharts' geo component over the district outlines
// in the repo: no tile server, works offline.
echarts.use([
  ScatterChart,
  LineChart,
  BarChart,
  HeatmapChart,
  GridComponent,
  GeoComponent,
  GraphicComponent,
  CalendarComponent,
  VisualMapComponent,
  TooltipComponent,
  LegendComponent,
  MarkAreaComponent,
  DataZoomComponent,
  CanvasRenderer,
]);

export type Chart = echarts.ECharts;
export const registerMap = echarts.registerMap;

const charts = new WeakMap<HTMLElement, Chart>();

export function chartIn(el: HTMLElement): Chart {
  let chart = charts.get(el);
  if (!chart) {
    chart = echarts.init(el, 'dark', { renderer: 'canvas' });
    charts.set(el, chart);
    // A view left behind is detached with size 0: resizing it then throws inside ECharts; dispose it instead.
    const observer = new ResizeObserver(() => {
      if (el.isConnected && el.clientWidth > 0) return chart!.resize();
      if (!el.isConnected) {
        observer.disconnect();
        chart!.dispose();
        charts.delete(el);
      }
    });
    observer.observe(el);
  }
  return chart;
}

export const STATE_COLORS: Record<ShownState, string> = { open: '#3fb950', closed: '#58a6ff', offline: '#f85149', unknown: '#8b949e' };
/** A shape per state as well as a colour, so the state never rests on colour alone. */
export const STATE_SYMBOLS: Record<ShownState, string> = { open: 'circle', closed: 'rect', offline: 'triangle', unknown: 'diamond' };
export const STATE_MARKS: Record<ShownState, string> = { open: '●', closed: '■', offline: '▲', unknown: '◆' };
