/**
 * The sections that set the configurations against each other: the figures table, the verdict,
 * the confidence intervals side by side (a static SVG drawn here) and the steady state with its
 * stalls and mechanism.
 */
import type { CompareReport } from '../analysis/verdicts/compare.js';
import { MIN_RUNS_FOR_INTERVAL, positiveMeanCI, tooFewText } from '../analysis/verdicts/positiveIntervals.js';
import { configurationCells, formatFigure, mechanismRows, pairedRows, stallLines, steadyStateRows } from '../format/compareText.js';
import { verdictParagraphs } from '../format/verdictText.js';
import { escapeHtml, table } from './markup.js';

interface IntervalRow {
  label: string;
  color: string;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/** A row without an interval says why to the right of the plot. */
const REASON_WIDTH = 220;

/** Dot-and-whisker SVG: each configuration's mean with its CI, one row each. */
function intervalSvg(title: string, unit: string, rows: IntervalRow[]): string {
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
  const hasInterval = (row: IntervalRow): boolean => Number.isFinite(row.lo) && Number.isFinite(row.hi);
  const reasonWidth = rows.every(hasInterval) ? 0 : REASON_WIDTH;
  const xOf = (value: number): number => labelWidth + ((value - min) / (max - min)) * plotWidth;
  const parts: string[] = [];
  parts.push(`<svg class="ci-chart" xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 20 + reasonWidth}" height="${height}" role="img" aria-label="${escapeHtml(title)}">`);
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
    if (hasInterval(row)) {
      parts.push(`<line x1="${xOf(row.lo).toFixed(1)}" x2="${xOf(row.hi).toFixed(1)}" y1="${y}" y2="${y}" stroke="${row.color}" stroke-width="2"/>`);
      for (const end of [row.lo, row.hi]) parts.push(`<line x1="${xOf(end).toFixed(1)}" x2="${xOf(end).toFixed(1)}" y1="${y - 6}" y2="${y + 6}" stroke="${row.color}" stroke-width="2"/>`);
    } else {
      parts.push(`<text class="no-interval" x="${labelWidth + plotWidth + 20}" y="${y + 4}" font-size="11" fill="#a40">n = ${row.n}: ${escapeHtml(tooFewText())}</text>`);
    }
    const interval = hasInterval(row) ? `[${formatFigure(row.lo)}, ${formatFigure(row.hi)}]` : `(${tooFewText()})`;
    if (Number.isFinite(row.mean)) parts.push(`<circle cx="${xOf(row.mean).toFixed(1)}" cy="${y}" r="5" fill="${row.color}"><title>${escapeHtml(`${row.label}: ${formatFigure(row.mean)} ${interval}`)}</title></circle>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

export function configurationTable(report: CompareReport, colorOf: ReadonlyMap<string, string>): string {
  const pct = Math.round(report.level * 100);
  const header = ['', 'configuration', 'n', `ops/s mean [${pct} % CI]`, 'p50 ms', 'p95 ms', 'p99 ms', 'fsyncs/op', 'redo/op', 'log waits', 'Handler_write/op'];
  const rows = report.configurations.map((config) => ['■', ...configurationCells(config)]);
  const html = table(header, rows, 'figures');
  // Colour the swatch cells to match the charts.
  let index = 0;
  return html.replace(/<td>■<\/td>/g, () => `<td style="color:${colorOf.get(report.configurations[index++]?.key ?? '') ?? '#000'}">■</td>`);
}

export function verdictSection(report: CompareReport): string | null {
  const verdicts = verdictParagraphs(report);
  if (verdicts.length === 0) return null;
  return `<section><h2>Verdict</h2>${verdicts.map((v) => `<p>${escapeHtml(v)}</p>`).join('')}</section>`;
}

/** Only when there is something to set side by side: several configurations, or repeats of one. */
export function sideBySideSection(report: CompareReport, colorOf: ReadonlyMap<string, string>): string | null {
  const first = report.configurations[0];
  if (!(report.configurations.length > 1 || (first && first.n > 1))) return null;
  const opsRows = report.configurations.map((config) => ({ label: config.label, color: colorOf.get(config.key)!, mean: config.opsPerSec?.mean ?? NaN, lo: config.opsPerSec?.lo ?? NaN, hi: config.opsPerSec?.hi ?? NaN, n: config.n }));
  const p95Rows = report.configurations.map((config) => {
    const values = config.runs.map((run) => run.p95Ms).filter((value): value is number => value !== null);
    const interval = values.length > 0 ? positiveMeanCI(values, report.level) : null;
    return { label: config.label, color: colorOf.get(config.key)!, mean: interval?.mean ?? NaN, lo: interval?.lo ?? NaN, hi: interval?.hi ?? NaN, n: values.length };
  });
  const fewest = Math.min(...report.configurations.map((config) => config.n));
  const tooFew = fewest < MIN_RUNS_FOR_INTERVAL ? `<p class="warn">${escapeHtml(`No interval where a configuration has fewer than ${MIN_RUNS_FOR_INTERVAL} runs (${tooFewText()}): --repeat ${MIN_RUNS_FOR_INTERVAL} or more gives one.`)}</p>` : '';
  const versus = report.comparisons.length > 0
    ? table(['configuration', `ops/s vs ${report.comparisons[0]!.reference}`, 'p95 latency'], report.comparisons.flatMap((c) => [[c.label, c.opsPerSecText, c.p95Text], ...(c.intervals ? [['  per-interval samples (indicative)', c.intervals.opsPerSecText, c.intervals.p95Text]] : []), ...pairedRows(report, c)]))
    : '';
  return (
    `<section><h2>Configurations side by side (${Math.round(report.level * 100)} % CI over repeats)</h2>` +
    `${tooFew}<div class="svgs">${intervalSvg('ops/s', 'ops/s', opsRows)}${intervalSvg('p95 latency (mean of runs)', 'ms', p95Rows)}</div>${versus}</section>`
  );
}

/** Steady state, stalls and mechanism: why the configurations differ, and whether they were measured where it matters. */
export function steadyStateSection(report: CompareReport): string {
  const [steadyHeader, ...steadyBody] = steadyStateRows(report);
  const stalls = stallLines(report);
  const mechanism = mechanismRows(report);
  return (
    `<section><h2>Steady state and stalls</h2><p class="note">${escapeHtml(report.warmupRule)}</p>${table(steadyHeader!, steadyBody)}` +
    (stalls.length ? `<ul>${stalls.map((line) => `<li class="warn">${escapeHtml(line)}</li>`).join('')}</ul>` : '<p>No stall.</p>') +
    (mechanism ? `<h3>Mechanism per 1 000 operations (mean [CI] over runs)</h3>${table(mechanism[0]!, mechanism.slice(1))}` : '') +
    '</section>'
  );
}
