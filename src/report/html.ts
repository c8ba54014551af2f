/**
 * One self-contained HTML report of a run, a matrix or a folder of runs: no network at view time.
 * uPlot (51 kB minified, canvas charts, log axes) is read from node_modules when the report is
 * written and inlined with its CSS; the data is embedded as JSON; the confidence-interval chart
 * is a static SVG drawn here.
 *
 * Content: throughput and latency percentiles over time (timeline.csv) beside the server's counter
 * rates (status.csv: Com_insert/s, Innodb_data_fsyncs/s, Innodb_os_log_written/s); the latency
 * distribution as a percentile plot (log x-axis) of the exactly merged histograms; the
 * configurations side by side with their confidence intervals; settings and server variables.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { valuesAtPercentiles, type Histogram } from '../metrics/histogram.js';
import { buildComparison, type CompareReport, type ConfigurationFigures } from '../analysis/verdicts/compare.js';
import { configurationCells, formatFigure, formatMeanCI, mechanismRows, pairedRows, stallLines, steadyStateRows } from '../format/compareText.js';
import { verdictParagraphs } from '../format/verdictText.js';
import { formatBytes } from '../format/bytes.js';
import { meanCI } from '../analysis/verdicts/stats.js';
import { mergedHistogram, readStatusRows, readTimeline, type RunSet, type StoredRun } from '../results/readRuns.js';

const require = createRequire(import.meta.url);

/** uPlot's minified script and stylesheet, read from the installed package. */
export function chartLibrary(): { js: string; css: string } {
  return {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

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
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that cannot close the <script> element it sits in. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Points of a percentile plot: x = 1/(1 − q) from 1 (q = 0) in tenth-decade steps up to the last
 * quantile the sample count resolves, then the maximum; y in milliseconds.
 */
function percentileCurve(histogram: Histogram): { x: number[]; y: number[] } {
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
  label: string;
  color: string;
  timeline: ReturnType<typeof readTimeline>;
  status: ReturnType<typeof readStatusRows>;
}

function rate(rows: ReturnType<typeof readStatusRows>, counter: string, scale = 1): { x: number[]; y: number[] } {
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

/** The charts: one set for a single configuration with one run, overlays of every run otherwise. */
function chartSpecs(runs: readonly RunSeriesData[], curves: Array<{ label: string; color: string; x: number[]; y: number[] }>): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const single = runs.length === 1 ? runs[0]! : null;
  const timelineSeries = (run: RunSeriesData, pick: (row: RunSeriesData['timeline'][number]) => number): { x: number[]; y: number[] } => ({
    x: run.timeline.map((row) => row.elapsedSec),
    y: run.timeline.map(pick),
  });
  if (single) {
    const comInsert = rate(single.status, 'Com_insert');
    charts.push({
      id: 'throughput',
      title: 'Throughput',
      xLabel: 'elapsed s',
      yLabel: 'per second',
      series: [
        { label: 'harness ops/s', color: PALETTE[0]!, ...timelineSeries(single, (row) => row.opsPerSec) },
        { label: 'server Com_insert/s', color: PALETTE[1]!, dash: true, ...comInsert },
      ],
    });
    charts.push({
      id: 'server',
      title: 'Server counters',
      xLabel: 'elapsed s',
      yLabel: 'fsyncs/s',
      y2Label: 'redo MiB/s',
      series: [
        { label: 'Innodb_data_fsyncs/s', color: PALETTE[2]!, ...rate(single.status, 'Innodb_data_fsyncs') },
        { label: 'Innodb_os_log_written MiB/s', color: PALETTE[4]!, right: true, ...rate(single.status, 'Innodb_os_log_written', MIB) },
      ],
    });
    charts.push({
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
    });
  } else {
    const overlay = (id: string, title: string, yLabel: string, pick: (run: RunSeriesData) => { x: number[]; y: number[] }): void => {
      charts.push({ id, title, xLabel: 'elapsed s', yLabel, series: runs.map((run) => ({ label: `${run.label} · ${run.runId.slice(-4)}`, color: run.color, ...pick(run) })) });
    };
    overlay('throughput', 'Throughput (ops/s), every run', 'ops/s', (run) => timelineSeries(run, (row) => row.opsPerSec));
    overlay('comInsert', 'Server Com_insert/s', 'per second', (run) => rate(run.status, 'Com_insert'));
    overlay('latency', 'p95 latency per interval', 'ms', (run) => timelineSeries(run, (row) => row.p95));
    overlay('fsyncs', 'Server Innodb_data_fsyncs/s', 'per second', (run) => rate(run.status, 'Innodb_data_fsyncs'));
    overlay('redo', 'Server Innodb_os_log_written (MiB/s)', 'MiB/s', (run) => rate(run.status, 'Innodb_os_log_written', MIB));
  }
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

/** Dot-and-whisker SVG: each configuration's mean with its CI, one row each. */
function intervalSvg(title: string, unit: string, rows: Array<{ label: string; color: string; mean: number; lo: number; hi: number }>): string {
  const finite = rows.flatMap((row) => [row.mean, row.lo, row.hi]).filter((value) => Number.isFinite(value));
  if (finite.length === 0) return '';
  let min = Math.min(...finite, 0);
  let max = Math.max(...finite);
  if (max === min) max = min + 1;
  const pad = (max - min) * 0.05;
  min = min === 0 ? 0 : min - pad;
  max += pad;
  const labelWidth = 320;
  const plotWidth = 460;
  const rowHeight = 28;
  const height = rows.length * rowHeight + 46;
  const xOf = (value: number): number => labelWidth + ((value - min) / (max - min)) * plotWidth;
  const parts: string[] = [];
  parts.push(`<svg class="ci-chart" xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 20}" height="${height}" role="img" aria-label="${escapeHtml(title)}">`);
  parts.push(`<text x="4" y="16" font-weight="bold" font-size="13">${escapeHtml(title)}</text>`);
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const value = min + ((max - min) * i) / ticks;
    const x = xOf(value);
    parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="24" y2="${height - 18}" stroke="#ddd"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${height - 4}" font-size="11" text-anchor="middle">${escapeHtml(formatFigure(value))}</text>`);
  }
  parts.push(`<text x="${labelWidth + plotWidth}" y="16" font-size="11" text-anchor="end">${escapeHtml(unit)}</text>`);
  rows.forEach((row, index) => {
    const y = 24 + index * rowHeight + rowHeight / 2;
    const label = row.label.length > 48 ? `${row.label.slice(0, 47)}…` : row.label;
    parts.push(`<text x="4" y="${y + 4}" font-size="12">${escapeHtml(label)}</text>`);
    if (Number.isFinite(row.lo) && Number.isFinite(row.hi)) {
      parts.push(`<line x1="${xOf(row.lo).toFixed(1)}" x2="${xOf(row.hi).toFixed(1)}" y1="${y}" y2="${y}" stroke="${row.color}" stroke-width="2"/>`);
      for (const end of [row.lo, row.hi]) parts.push(`<line x1="${xOf(end).toFixed(1)}" x2="${xOf(end).toFixed(1)}" y1="${y - 6}" y2="${y + 6}" stroke="${row.color}" stroke-width="2"/>`);
    }
    if (Number.isFinite(row.mean)) parts.push(`<circle cx="${xOf(row.mean).toFixed(1)}" cy="${y}" r="5" fill="${row.color}"><title>${escapeHtml(`${row.label}: ${formatFigure(row.mean)} [${formatFigure(row.lo)}, ${formatFigure(row.hi)}]`)}</title></circle>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function table(header: string[], rows: string[][], className = ''): string {
  const head = `<tr>${header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${className}"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function configurationTable(report: CompareReport, colorOf: Map<string, string>): string {
  const pct = Math.round(report.level * 100);
  const header = ['', 'configuration', 'n', `ops/s mean [${pct} % CI]`, 'p50 ms', 'p95 ms', 'p99 ms', 'fsyncs/op', 'redo/op', 'log waits', 'Handler_write/op'];
  const rows = report.configurations.map((config) => ['■', ...configurationCells(config)]);
  const html = table(header, rows, 'figures');
  // Colour the swatch cells to match the charts.
  let index = 0;
  return html.replace(/<td>■<\/td>/g, () => `<td style="color:${colorOf.get(report.configurations[index++]?.key ?? '') ?? '#000'}">■</td>`);
}

function variablesTable(configurations: readonly ConfigurationFigures[], runsByKey: Map<string, StoredRun>): string {
  const names = new Set<string>();
  const variables = configurations.map((config) => runsByKey.get(config.key)?.server?.variables ?? {});
  for (const vars of variables) for (const name of Object.keys(vars)) names.add(name);
  const sorted = [...names].sort();
  const header = ['variable', ...configurations.map((config) => config.label)];
  const rows = sorted.map((name) => [name, ...variables.map((vars) => vars[name] ?? '-')]);
  const html = table(header, rows, 'variables');
  // Mark rows whose value differs between configurations.
  return html.replace(/<tr><td>([^<]+)<\/td>((?:<td>[^<]*<\/td>)+)<\/tr>/g, (row, _name: string, cells: string) => {
    const values = [...cells.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    return new Set(values).size > 1 ? row.replace('<tr>', '<tr class="differs">') : row;
  });
}

export interface RenderOptions {
  title?: string;
  generatedAt?: Date;
  library?: { js: string; css: string };
}

/** The whole report as one HTML string. */
export function renderReport(set: RunSet, options: RenderOptions = {}): string {
  const report = buildComparison([set]);
  const colorOf = new Map<string, string>();
  report.configurations.forEach((config, index) => colorOf.set(config.key, PALETTE[index % PALETTE.length]!));
  const runsByKey = new Map<string, StoredRun>();
  const seriesRuns: RunSeriesData[] = [];
  for (const config of report.configurations) {
    for (const run of config.runs) {
      const stored = set.runs.find((entry) => entry.dir === run.dir)?.run;
      if (stored && !runsByKey.has(config.key)) runsByKey.set(config.key, stored);
      seriesRuns.push({ runId: run.runId, label: config.label, color: colorOf.get(config.key)!, ...withoutPartialTail(run.dir, stored?.config.intervalMs) });
    }
  }
  const curves = report.configurations.flatMap((config) => {
    const histogram = mergedHistogram(config.runs.map((run) => run.dir));
    if (histogram === null) return [];
    return [{ label: config.label, color: colorOf.get(config.key)!, ...percentileCurve(histogram) }];
  });
  const charts = chartSpecs(seriesRuns, curves);
  const library = options.library ?? chartLibrary();

  const matrix = set.matrices[0];
  const title = options.title ?? (set.kind === 'matrix' && matrix ? `innobench matrix ${matrix.matrixId}` : set.kind === 'run' ? `innobench run ${set.runs[0]?.runId ?? ''}` : `innobench runs in ${set.path}`);
  const sections: string[] = [];
  const first = report.configurations[0];
  const firstRun = first ? runsByKey.get(first.key) : undefined;

  // Overview.
  const overview: string[] = [];
  if (firstRun) {
    const driver = firstRun.environment?.driver;
    overview.push(`<p>Scenario <b>${escapeHtml(firstRun.scenario)}</b> on ${escapeHtml(firstRun.server?.flavour ?? '')} ${escapeHtml(firstRun.server?.version ?? '')}${driver ? `, driver ${escapeHtml(`${driver.name} ${driver.version}`)}` : ''}; ${report.configurations.length} configuration(s), ${report.configurations.reduce((sum, config) => sum + config.n, 0)} completed run(s).</p>`);
  }
  if (matrix) {
    overview.push(`<p>Matrix: ${escapeHtml(matrix.settings.map((s) => `${s.name} = ${s.values.join(', ')}`).join('; '))}; ${matrix.repeat} repeat(s), ${escapeHtml(matrix.order)} order${matrix.seed !== undefined ? ` (seed ${matrix.seed})` : ''}; state ${escapeHtml(matrix.state)}.</p>`);
    if (matrix.restored.length > 0) overview.push(`<p>Restored afterwards: ${escapeHtml(matrix.restored.map((r) => `${r.name} = ${r.value}${r.ok ? '' : ' (FAILED)'}`).join(', '))}.</p>`);
  }
  if (report.excluded.length > 0) overview.push(`<p class="warn">Left out: ${escapeHtml(report.excluded.map((run) => `${run.runId} (${run.reason})`).join('; '))}</p>`);
  sections.push(`<section><h2>Overview</h2>${overview.join('\n')}${configurationTable(report, colorOf)}</section>`);
  const verdicts = verdictParagraphs(report);
  if (verdicts.length > 0) sections.push(`<section><h2>Verdict</h2>${verdicts.map((v) => `<p>${escapeHtml(v)}</p>`).join('')}</section>`);

  // Configurations with their CIs.
  if (report.configurations.length > 1 || (first && first.n > 1)) {
    const opsRows = report.configurations.map((config) => ({ label: config.label, color: colorOf.get(config.key)!, mean: config.opsPerSec?.mean ?? NaN, lo: config.opsPerSec?.lo ?? NaN, hi: config.opsPerSec?.hi ?? NaN }));
    const p95Rows = report.configurations.map((config) => {
      const values = config.runs.map((run) => run.p95Ms).filter((value): value is number => value !== null);
      const interval = values.length > 0 ? meanCI(values, report.level) : null;
      return { label: config.label, color: colorOf.get(config.key)!, mean: interval?.mean ?? NaN, lo: interval?.lo ?? NaN, hi: interval?.hi ?? NaN };
    });
    const versus = report.comparisons.length > 0
      ? table(['configuration', `ops/s vs ${report.comparisons[0]!.reference}`, 'p95 latency'], report.comparisons.flatMap((c) => [[c.label, c.opsPerSecText, c.p95Text], ...(c.intervals ? [['  per-interval samples (indicative)', c.intervals.opsPerSecText, c.intervals.p95Text]] : []), ...pairedRows(report, c)]))
      : '';
    sections.push(
      `<section><h2>Configurations side by side (${Math.round(report.level * 100)} % CI over repeats)</h2>` +
        `<div class="svgs">${intervalSvg('ops/s', 'ops/s', opsRows)}${intervalSvg('p95 latency (mean of runs)', 'ms', p95Rows)}</div>${versus}</section>`,
    );
  }

  // Steady state, stalls and mechanism: why the configurations differ, and whether they were measured where it matters.
  const [steadyHeader, ...steadyBody] = steadyStateRows(report);
  const stalls = stallLines(report);
  const mechanism = mechanismRows(report);
  sections.push(
    `<section><h2>Steady state and stalls</h2><p class="note">${escapeHtml(report.warmupRule)}</p>${table(steadyHeader!, steadyBody)}` +
      (stalls.length ? `<ul>${stalls.map((line) => `<li class="warn">${escapeHtml(line)}</li>`).join('')}</ul>` : '<p>No stall.</p>') +
      (mechanism ? `<h3>Mechanism per 1 000 operations (mean [CI] over runs)</h3>${table(mechanism[0]!, mechanism.slice(1))}` : '') +
      '</section>',
  );

  // Charts.
  sections.push(`<section><h2>Over time and distribution</h2><p class="note">Server counters are server-wide: other clients' work on the same server is included. A last partial interval is left out of the time charts.</p><div class="charts">${charts.map((chart) => `<figure class="chart" id="chart-${chart.id}"><figcaption>${escapeHtml(chart.title)}</figcaption><div class="plot"></div></figure>`).join('\n')}</div></section>`);

  // Runs.
  const runRows = report.configurations.flatMap((config) =>
    config.runs.map((run) => [config.label, run.runId, run.state, formatFigure(run.opsPerSec), formatMeanCI(run.intervalOpsPerSec), String(run.intervalSamples.length), formatFigure(run.p95Ms), run.endReason ?? '-']),
  );
  sections.push(`<section><h2>Runs</h2><p>Per-run CI over the run's intervals (last partial interval left out).</p>${table(['configuration', 'run', 'state', 'ops/s', 'per-interval ops/s [CI]', 'intervals', 'p95 ms', 'end'], runRows)}</section>`);

  // Redo sizing.
  const redoRows = report.configurations.map((config) => {
    const redo = config.redo;
    if (!redo) return [config.label, '-', '-', '-', '-'];
    return [
      config.label,
      `${formatBytes(redo.bytesPerSec)}/s`,
      redo.filesInGroup > 1 ? `${formatBytes(redo.perFileBytes)} per file × ${redo.filesInGroup}` : formatBytes(redo.perFileBytes),
      redo.inEffect ? `${redo.inEffect.variable} = ${formatBytes(redo.inEffect.bytes)}` : 'unknown',
      redo.holdsSeconds === null ? '-' : `${formatFigure(redo.holdsSeconds)} s`,
    ];
  });
  sections.push(`<section><h2>Redo sizing</h2><p>The seed's rule: Innodb_os_log_written per second × 3600 s ÷ innodb_log_files_in_group (1 when absent) = the redo size that holds an hour of this load.</p>${table(['configuration', 'redo written/s', 'for 1 h', 'in effect', 'in effect holds'], redoRows)}</section>`);

  // Settings and variables.
  const settingRows: string[][] = [];
  for (const config of report.configurations) {
    const stored = runsByKey.get(config.key);
    for (const applied of stored?.settings?.applied ?? []) settingRows.push([config.label, applied.name, applied.requested, applied.inEffect, applied.method, applied.match]);
  }
  const settingsTable = settingRows.length > 0 ? `<h3>Settings applied by the matrix (verified before each run)</h3>${table(['configuration', 'variable', 'requested', 'in effect', 'how', 'match'], settingRows)}` : '';
  const configRows = firstRun ? Object.entries(firstRun.config).filter(([, value]) => typeof value !== 'object' || value === null).map(([name, value]) => [name, String(value)]) : [];
  sections.push(
    `<section><h2>Settings and server variables</h2>${settingsTable}<h3>Server variables at the start of each configuration's first run</h3>` +
      `${variablesTable(report.configurations, runsByKey)}<h3>Run options</h3>${table(['option', 'value'], configRows)}</section>`,
  );
  if (report.notes.length > 0) sections.push(`<section><h2>Notes</h2><ul>${report.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul></section>`);
  sections.push(`<footer><p>${escapeHtml(report.method)}</p><p>Generated ${escapeHtml((options.generatedAt ?? new Date()).toISOString())} by innobench from ${escapeHtml(set.path)}.</p></footer>`);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${library.css}</style>
<style>
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 20px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 17px; border-bottom: 1px solid #ccc; padding-bottom: 3px; } h3 { font-size: 14px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 12.5px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
tr.differs td { background: #fff6d8; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px; }
figure.chart { margin: 0; border: 1px solid #e2e2e2; padding: 6px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.plot { min-height: 300px; }
.svgs { display: flex; flex-wrap: wrap; gap: 20px; }
.warn { color: #a40; }
.note { color: #555; font-size: 12.5px; }
footer { color: #666; font-size: 12px; margin-top: 24px; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${sections.join('\n')}
<script>${library.js}</script>
<script type="application/json" id="chart-data">${scriptJson(charts)}</script>
<script>
(function () {
  var charts = JSON.parse(document.getElementById('chart-data').textContent);
  function percentLabel(v) {
    var p = 100 * (1 - 1 / v);
    return (p >= 99 ? p.toFixed(Math.min(6, Math.max(0, Math.round(Math.log10(v)) - 2))) : p.toFixed(0)) + '%';
  }
  charts.forEach(function (chart) {
    var box = document.querySelector('#chart-' + chart.id + ' .plot');
    var series = chart.series.filter(function (s) { return s.x.length > 0; });
    if (series.length === 0) { box.textContent = 'no data'; return; }
    var data = uPlot.join(series.map(function (s) { return [s.x, s.y]; }));
    var hasRight = series.some(function (s) { return s.right; });
    var scales = { x: { time: false }, y: {} };
    if (chart.percentileX) scales.x.distr = 3;
    // Linear axes start at zero, so a 5 % wobble does not fill the chart.
    var fromZero = function (u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; };
    if (chart.yLog) scales.y.distr = 3; else scales.y.range = fromZero;
    if (hasRight) scales.y2 = { range: fromZero };
    var xAxis = { label: chart.xLabel };
    if (chart.percentileX) xAxis.values = function (u, splits) { return splits.map(function (v) { var l = Math.log10(v); return Math.abs(l - Math.round(l)) < 1e-9 ? percentLabel(v) : ''; }); };
    var axes = [xAxis, { label: chart.yLabel, scale: 'y' }];
    if (hasRight) axes.push({ label: chart.y2Label, scale: 'y2', side: 1, grid: { show: false } });
    var xSeries = { label: chart.xLabel };
    if (chart.percentileX) xSeries.value = function (u, v) { return v == null ? '-' : percentLabel(v); };
    var opts = {
      width: Math.max(320, box.clientWidth || 520),
      height: 300,
      scales: scales,
      axes: axes,
      legend: { live: true },
      series: [xSeries].concat(series.map(function (s) {
        var line = { label: s.label, stroke: s.color, width: 1.5, scale: s.right ? 'y2' : 'y', spanGaps: true, points: { show: false } };
        if (s.dash) line.dash = [6, 4];
        return line;
      }))
    };
    new uPlot(opts, data, box);
  });
})();
</script>
</body>
</html>
`;
}
