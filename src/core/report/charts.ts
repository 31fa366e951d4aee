/**
 * Report plots rendered on the server with ECharts' SSR mode to plain SVG strings, so report.html needs no
 * script and no network. Animation is off: SSR renders the first frame only.
 */
import * as echarts from 'echarts';
import { inWords, SERIES_COLOURS, VERDICT_COLOURS } from '../../shared/reasonCodes.ts';
import type { ShareRow } from '../audit/shares.ts';

const WIDTH = 720;
const HEIGHT = 300;

function render(option: echarts.EChartsCoreOption, height = HEIGHT): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  try {
    chart.setOption({ animation: false, color: SERIES_COLOURS, textStyle: { fontFamily: 'sans-serif' }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** What every report chart shares: the title on top, the legend below, room for axis labels. */
function frame(title: string, gridLeft = 50): echarts.EChartsCoreOption {
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0 },
    grid: { left: gridLeft, right: 20, top: 40, bottom: 60 },
  };
}

/** Stacked 100 % bars: one bar per group, one segment per verdict value. */
export function shareBars(title: string, rows: readonly ShareRow[]): string {
  const shown = rows.filter((r) => r.total > 0);
  const values = Object.keys(shown[0]?.shares ?? {});
  return render({
    ...frame(title),
    xAxis: {
      type: 'category',
      data: shown.map((r) => `${r.group} (n=${r.total})`),
      axisLabel: { interval: 0, rotate: shown.length > 6 ? 30 : 0, fontSize: 10 },
    },
    yAxis: { type: 'value', max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
    series: values.map((v) => ({
      name: inWords(v),
      type: 'bar',
      stack: 'share',
      itemStyle: { color: VERDICT_COLOURS[v] },
      data: shown.map((r) => r.shares[v]!.share ?? 0),
    })),
  });
}

const LINE_TYPES = ['solid', 'dashed', 'dotted'] as const;
/** Contrasting colours, so a dotted line drawn over an identical solid one still shows both. */
const LINE_COLOURS = [SERIES_COLOURS[0], SERIES_COLOURS[2], SERIES_COLOURS[1], ...SERIES_COLOURS.slice(3)];

/**
 * One line per series over x from 0 to the last x (1 for fractions, the largest count for steps such as regions
 * removed); each series has its own dash so overlapping curves stay visible.
 */
export function curvePlot(
  title: string,
  xName: string,
  xs: readonly number[],
  series: readonly { name: string; values: readonly number[] }[],
): string {
  return render({
    ...frame(title, 60),
    color: LINE_COLOURS,
    xAxis: { type: 'value', min: 0, max: Math.max(1, xs[xs.length - 1] ?? 1), name: xName, nameLocation: 'middle', nameGap: 25 },
    yAxis: { type: 'value', min: 0, max: 1, name: 'class probability', nameLocation: 'middle', nameGap: 40 },
    series: series.map((s, i) => ({
      name: s.name,
      type: 'line',
      showSymbol: false,
      lineStyle: { type: LINE_TYPES[i % LINE_TYPES.length], width: 2 },
      data: xs.map((x, k) => [x, s.values[k]]),
    })),
  });
}

/** Grouped bars of named values per category (e.g. attribution mass vs time share per segment). */
export function groupedBars(
  title: string,
  categories: readonly string[],
  series: readonly { name: string; values: readonly (number | null)[] }[],
): string {
  return render({
    ...frame(title),
    xAxis: { type: 'category', data: [...categories], axisLabel: { interval: 0, rotate: categories.length > 6 ? 30 : 0, fontSize: 10 } },
    yAxis: { type: 'value', min: 0, max: 1 },
    series: series.map((s) => ({ name: s.name, type: 'bar', data: s.values.map((v) => v ?? 0) })),
  });
}

/** Point estimates with their interval as a line per series over ordered bins. */
export function estimatePlot(
  title: string,
  bins: readonly string[],
  series: readonly { name: string; values: readonly (number | null)[] }[],
): string {
  return render({
    ...frame(title),
    xAxis: { type: 'category', data: [...bins] },
    yAxis: { type: 'value', min: (v: { min: number }) => Math.min(0, Math.floor(v.min * 10) / 10), max: 1 },
    series: series.map((s) => ({ name: s.name, type: 'line', connectNulls: false, data: s.values.map((v) => v ?? '-') })),
  });
}
