/**
 * The data of the report's uPlot charts: throughput and latency percentiles over time
 * (timeline.csv) beside the server's counter rates (status.csv: Com_insert/s,
 * Innodb_data_fsyncs/s, Innodb_os_log_written/s), and the latency distribution as a percentile
 * plot (log x-axis) of the exactly merged histograms.
 */
import { valuesAtPercentiles, type Histogram } from '../metrics/histogram.js';
import type { CompareReport } from '../analysis/verdicts/compare.js';
import { mergedHistogram, readStatusRows, readTimeline, type RunSet } from '../results/readRuns.js';

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export interface SeriesSpec {
  label: string;
  color: string;
  x: number[];
  y: number[];
  /** Second y axis (right). */
  right?: boolean;
  dash?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  /** x is 1/(1 − quantile), drawn on a log axis labelled in percentiles. */
  percentileX?: boolean;
  yLog?: boolean;
  series: SeriesSpec[];
  /** Why the chart has nothing to draw (then the page shows this line instead of an empty plot). */
  empty?: string;
}

interface Points {
  x: number[];
  y: number[];
}

interface Curve extends Points {
  label: string;
  color: string;
}

/**
 * Points of a percentile plot: x = 1/(1 − q) from 1 (q = 0) in tenth-decade steps up to the last
 * quantile the sample count resolves, then the maximum; y in milliseconds.
 */
function percentileCurve(histogram: Histogram): Points {
  const x: number[] = [];
  const y: number[] = [];
  const count = histogram.totalCount;
  if (count === 0) return { x, y };
  const percentiles: number[] = [];
  for (let k = 0; ; k++) {
    const inverse = 10 ** (k / 10);
    if (inverse > count) break;
    percentiles.push(100 * (1 - 1 / inverse));
    x.push(inverse);
  }
  for (const us of valuesAtPercentiles(histogram, percentiles).values) y.push(us / 1000);
  const top = Math.max(count, (x[x.length - 1] ?? 1) * 1.01);
  x.push(top);
  y.push(histogram.maxValue / 1000);
  return { x, y };
}

interface RunSeriesData {
  runId: string;
  /** The run's report interval, when run.json has it. */
  intervalMs: number | null;
  label: string;
  color: string;
  timeline: ReturnType<typeof readTimeline>;
  status: ReturnType<typeof readStatusRows>;
}

function rate(rows: ReturnType<typeof readStatusRows>, counter: string, scale = 1): Points {
  const x: number[] = [];
  const y: number[] = [];
  for (const row of rows) {
    const value = row.counters[counter];
    if (value === undefined || !(row.seconds > 0)) continue;
    x.push(row.elapsedSec);
    y.push(value / row.seconds / scale);
  }
  return { x, y };
}

const MIB = 1024 * 1024;

/**
 * A run's interval rows without the last one when it is partial (shorter than 95 % of the
 * interval): its rate over a fraction of a second would draw a cliff that is not load. Kept when
 * it is the only row.
 */
function withoutPartialTail(dir: string, intervalMs: unknown): Pick<RunSeriesData, 'timeline' | 'status'> {
  const timeline = readTimeline(dir);
  const status = readStatusRows(dir);
  const last = timeline[timeline.length - 1];
  if (typeof intervalMs === 'number' && intervalMs > 0 && timeline.length > 1 && last && last.seconds < 0.95 * (intervalMs / 1000)) {
    timeline.pop();
    if (status.length > 0 && status[status.length - 1]!.seq === last.seq) status.pop();
  }
  return { timeline, status };
}

function timelineSeries(run: RunSeriesData, pick: (row: RunSeriesData['timeline'][number]) => number): Points {
  return {
    x: run.timeline.map((row) => row.elapsedSec),
    y: run.timeline.map(pick),
  };
}

/** One configuration with one run: harness and server side by side, and the percentiles. */
function singleRunCharts(single: RunSeriesData): ChartSpec[] {
  const comInsert = rate(single.status, 'Com_insert');
  return [
    {
      id: 'throughput',
      title: 'Throughput',
      xLabel: 'elapsed s',
      yLabel: 'per second',
      series: [
        { label: 'harness ops/s', color: PALETTE[0]!, ...timelineSeries(single, (row) => row.opsPerSec) },
        { label: 'server Com_insert/s', color: PALETTE[1]!, dash: true, ...comInsert },
      ],
    },
    {
      id: 'server',
      title: 'Server counters',
      xLabel: 'elapsed s',
      yLabel: 'fsyncs/s',
      y2Label: 'redo MiB/s',
      series: [
        { label: 'Innodb_data_fsyncs/s', color: PALETTE[2]!, ...rate(single.status, 'Innodb_data_fsyncs') },
        { label: 'Innodb_os_log_written MiB/s', color: PALETTE[4]!, right: true, ...rate(single.status, 'Innodb_os_log_written', MIB) },
      ],
    },
    {
      id: 'latency',
      title: 'Latency percentiles per interval',
      xLabel: 'elapsed s',
      yLabel: 'ms',
      series: [
        { label: 'p50', color: PALETTE[0]!, ...timelineSeries(single, (row) => row.p50) },
        { label: 'p95', color: PALETTE[3]!, ...timelineSeries(single, (row) => row.p95) },
        { label: 'p99', color: PALETTE[1]!, ...timelineSeries(single, (row) => row.p99) },
        { label: 'max', color: PALETTE[8]!, dash: true, ...timelineSeries(single, (row) => row.max) },
      ],
    },
  ];
}

/** Several runs: one chart per measure, every run a line in its configuration's colour. */
function overlayCharts(runs: readonly RunSeriesData[]): ChartSpec[] {
  const overlay = (id: string, title: string, yLabel: string, pick: (run: RunSeriesData) => Points): ChartSpec => ({
    id,
    title,
    xLabel: 'elapsed s',
    yLabel,
    series: runs.map((run) => ({ label: `${run.label} · ${run.runId.slice(-4)}`, color: run.color, ...pick(run) })),
  });
  return [
    overlay('throughput', 'Throughput (ops/s), every run', 'ops/s', (run) => timelineSeries(run, (row) => row.opsPerSec)),
    overlay('comInsert', 'Server Com_insert/s', 'per second', (run) => rate(run.status, 'Com_insert')),
    overlay('latency', 'p95 latency per interval', 'ms', (run) => timelineSeries(run, (row) => row.p95)),
    overlay('fsyncs', 'Server Innodb_data_fsyncs/s', 'per second', (run) => rate(run.status, 'Innodb_data_fsyncs')),
    overlay('redo', 'Server Innodb_os_log_written (MiB/s)', 'MiB/s', (run) => rate(run.status, 'Innodb_os_log_written', MIB)),
  ];
}

/**
 * A line needs two points: a time chart whose every series has fewer says why instead of drawing
 * a lone dot on an axis stretched around it.
 */
function withEmptyReason(chart: ChartSpec, runs: readonly RunSeriesData[]): ChartSpec {
  const most = Math.max(0, ...chart.series.map((series) => series.x.length));
  if (most >= 2) return chart;
  if (most === 0) return { ...chart, empty: `Nothing to draw: the runs' files hold no ${chart.title.toLowerCase()} figures.` };
  const intervals = [...new Set(runs.map((run) => run.intervalMs).filter((ms): ms is number => ms !== null))].map((ms) => `${ms / 1000} s`);
  const interval = intervals.length > 0 ? ` of ${intervals.join(' / ')}` : '';
  return { ...chart, empty: `Nothing to draw over time: no run has two whole intervals${interval} (a last partial interval is left out); a shorter --interval or a longer run draws this chart.` };
}

/** The charts: one set for a single configuration with one run, overlays of every run otherwise. */
function chartSpecs(runs: readonly RunSeriesData[], curves: readonly Curve[]): ChartSpec[] {
  const charts = (runs.length === 1 ? singleRunCharts(runs[0]!) : overlayCharts(runs)).map((chart) => withEmptyReason(chart, runs));
  if (curves.length > 0) {
    charts.push({
      id: 'distribution',
      title: 'Latency distribution (merged histograms)',
      xLabel: 'percentile',
      yLabel: 'ms',
      percentileX: true,
      yLog: true,
      series: curves.map((curve) => ({ label: curve.label, color: curve.color, x: curve.x, y: curve.y })),
    });
  }
  return charts;
}

/** Every chart of the report: each configuration's runs over time, and its merged distribution. */
export function reportCharts(set: RunSet, report: CompareReport, colorOf: ReadonlyMap<string, string>): ChartSpec[] {
  const seriesRuns: RunSeriesData[] = [];
  for (const config of report.configurations) {
    for (const run of config.runs) {
      const stored = set.runs.find((entry) => entry.dir === run.dir)?.run;
      const intervalMs = stored?.config.intervalMs;
      seriesRuns.push({ runId: run.runId, intervalMs: typeof intervalMs === 'number' ? intervalMs : null, label: config.label, color: colorOf.get(config.key)!, ...withoutPartialTail(run.dir, intervalMs) });
    }
  }
  const curves = report.configurations.flatMap((config) => {
    const histogram = mergedHistogram(config.runs.map((run) => run.dir));
    if (histogram === null) return [];
    return [{ label: config.label, color: colorOf.get(config.key)!, ...percentileCurve(histogram) }];
  });
  return chartSpecs(seriesRuns, curves);
}
