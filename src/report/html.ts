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
 *
 * This module puts the report together; page.ts is the document around it, charts.ts the chart
 * data, compareSections.ts and runSections.ts the sections.
 */
import { buildComparison, type CompareReport } from '../analysis/verdicts/compare.js';
import type { RunSet, StoredRun } from '../results/readRuns.js';
import { PALETTE, reportCharts } from './charts.js';
import { sideBySideSection, steadyStateSection, verdictSection } from './compareSections.js';
import { chartLibrary, pageHtml } from './page.js';
import { chartsSection, footer, notesSection, overviewSection, redoSection, runsSection, settingsSection } from './runSections.js';

export interface RenderOptions {
  title?: string;
  generatedAt?: Date;
  library?: { js: string; css: string };
}

function defaultTitle(set: RunSet): string {
  const matrix = set.matrices[0];
  if (set.kind === 'matrix' && matrix) return `innobench matrix ${matrix.matrixId}`;
  return set.kind === 'run' ? `innobench run ${set.runs[0]?.runId ?? ''}` : `innobench runs in ${set.path}`;
}

/** Each configuration's first run that has a run.json: what the configuration ran with. */
function firstStoredRuns(set: RunSet, report: CompareReport): Map<string, StoredRun> {
  const runsByKey = new Map<string, StoredRun>();
  for (const config of report.configurations) {
    for (const run of config.runs) {
      const stored = set.runs.find((entry) => entry.dir === run.dir)?.run;
      if (stored && !runsByKey.has(config.key)) runsByKey.set(config.key, stored);
    }
  }
  return runsByKey;
}

/** The whole report as one HTML string. */
export function renderReport(set: RunSet, options: RenderOptions = {}): string {
  const report = buildComparison([set]);
  const colorOf = new Map<string, string>();
  report.configurations.forEach((config, index) => colorOf.set(config.key, PALETTE[index % PALETTE.length]!));
  const runsByKey = firstStoredRuns(set, report);
  const first = report.configurations[0];
  const firstRun = first ? runsByKey.get(first.key) : undefined;
  const charts = reportCharts(set, report, colorOf);
  const sections = [
    overviewSection(set, report, colorOf, firstRun),
    verdictSection(report),
    sideBySideSection(report, colorOf),
    steadyStateSection(report),
    chartsSection(charts),
    runsSection(report),
    redoSection(report),
    settingsSection(report, runsByKey, firstRun),
    notesSection(report),
    footer(set, report, options.generatedAt ?? new Date()),
  ].filter((section): section is string => section !== null);
  return pageHtml(options.title ?? defaultTitle(set), options.library ?? chartLibrary(), sections, charts);
}
