/** The comparison as text: the tables `compare`, `runs` and `matrix` print, and its JSON form. */
import type { MeanInterval } from '../analysis/verdicts/stats.js';
import { tooFewText } from '../analysis/verdicts/positiveIntervals.js';
import { formatBytes } from './bytes.js';
import type { CompareReport, ConfigurationFigures } from '../analysis/verdicts/compare.js';
import { MECHANISMS } from '../analysis/verdicts/mechanism.js';
import { formatPaired } from '../analysis/verdicts/paired.js';


/** Three significant figures, whole numbers from 1000 up. */
export function formatFigure(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000 || Number.isInteger(value)) return value.toFixed(0);
  if (magnitude === 0) return '0';
  return value.toPrecision(3);
}

/** `noun`: what the interval is over (runs, or a run's intervals), for the words when there is none. */
export function formatMeanCI(interval: MeanInterval | null, noun = 'runs'): string {
  if (interval === null) return '-';
  if (!Number.isFinite(interval.lo) || !Number.isFinite(interval.hi)) return `${formatFigure(interval.mean)} (n=${interval.n}: ${tooFewText(noun)})`;
  return `${formatFigure(interval.mean)} [${formatFigure(interval.lo)}, ${formatFigure(interval.hi)}]`;
}

function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '-';
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function textTable(rows: string[][], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** One configuration's figures as table cells (the text table and the HTML report share them). */
export function configurationCells(config: ConfigurationFigures): string[] {
  return [
    config.label,
    String(config.n),
    formatMeanCI(config.opsPerSec),
    formatFigure(config.latencyMs?.p50),
    formatFigure(config.latencyMs?.p95),
    formatFigure(config.latencyMs?.p99),
    formatFigure(config.cost.fsyncsPerOp),
    formatBytes(config.cost.redoBytesPerOp),
    formatFigure(config.cost.logWaits),
    formatFigure(config.cost.handlerWritePerOp),
  ];
}

export function formatCompare(report: CompareReport): string {
  const lines: string[] = [];
  const pct = Math.round(report.level * 100);
  const sourceText = report.sources.map((source) => source.matrixId ?? source.path).join(', ');
  const runCount = report.configurations.reduce((sum, config) => sum + config.n, 0);
  lines.push(`innobench compare: ${report.configurations.length} configuration(s), ${runCount} completed run(s) from ${sourceText}`);
  if (report.configurations.length === 0) {
    lines.push('', 'No completed run to compare.');
  } else {
    lines.push('');
    lines.push(
      ...textTable([
        ['configuration', 'n', `ops/s mean [${pct} % CI]`, 'p50 ms', 'p95 ms', 'p99 ms', 'fsyncs/op', 'redo/op', 'log waits', 'Handler_write/op'],
        ...report.configurations.map(configurationCells),
      ]),
    );

    lines.push('', `Runs (ops/s: mean [${pct} % CI] over the run's intervals, the last partial interval left out):`);
    lines.push(
      ...textTable(
        [
          ['configuration', 'run', 'ops/s', 'per-interval ops/s', 'intervals', 'p95 ms', 'end'],
          ...report.configurations.flatMap((config) =>
            config.runs.map((run) => [
              config.label,
              run.runId,
              formatFigure(run.opsPerSec),
              formatMeanCI(run.intervalOpsPerSec, 'intervals'),
              String(run.intervalSamples.length),
              formatFigure(run.p95Ms),
              run.endReason ?? '-',
            ]),
          ),
        ],
        '  ',
      ),
    );

    if (report.comparisons.length > 0) {
      lines.push('', `Against ${report.configurations[0]!.label} (ratio of the means, Welch on the log scale, ${pct} % CI of the change):`);
      const rows = [['configuration', 'ops/s', 'p95 latency']];
      for (const comparison of report.comparisons) {
        rows.push([comparison.label, comparison.opsPerSecText, comparison.p95Text]);
        rows.push(...pairedRows(report, comparison));
        if (comparison.intervals) {
          rows.push(['  per-interval samples (indicative)', comparison.intervals.opsPerSecText, comparison.intervals.p95Text]);
        }
      }
      lines.push(...textTable(rows, '  '));
    }

    lines.push(...steadyStateLines(report), ...mechanismLines(report));

    lines.push('', "Redo sizing (the seed's rule: Innodb_os_log_written/s × 3600 s ÷ innodb_log_files_in_group = redo that holds an hour):");
    const redoRows = [['configuration', 'redo written/s', 'for 1 h', 'in effect', 'holds']];
    for (const config of report.configurations) {
      const redo = config.redo;
      if (redo === null) {
        redoRows.push([config.label, '-', '-', '-', '-']);
        continue;
      }
      const perFile = redo.filesInGroup > 1 ? `${formatBytes(redo.perFileBytes)} per file × ${redo.filesInGroup}` : formatBytes(redo.perFileBytes);
      const inEffect = redo.inEffect === null ? 'unknown' : `${redo.inEffect.variable} = ${formatBytes(redo.inEffect.bytes)}`;
      redoRows.push([config.label, `${formatBytes(redo.bytesPerSec)}/s`, perFile, inEffect, redo.holdsSeconds === null ? '-' : formatDuration(redo.holdsSeconds)]);
    }
    lines.push(...textTable(redoRows, '  '));
  }

  if (report.excluded.length > 0) {
    lines.push('', 'Left out:');
    for (const run of report.excluded) lines.push(`  ${run.runId}: ${run.reason}`);
  }
  if (report.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const note of report.notes) lines.push(`  ${note}`);
  }
  lines.push('', report.method, '');
  return lines.join('\n');
}

/** Per configuration: runs in steady state, warm-up, steady-state ops/s, stalls, redo fill (text and HTML share these cells). */
export function steadyStateRows(report: CompareReport): string[][] {
  const pct = Math.round(report.level * 100);
  const rows = [['configuration', 'steady runs', 'warm-up s', `steady ops/s [${pct} % CI]`, 'stalls', 'redo written / capacity']];
  for (const config of report.configurations) {
    const warmups = config.runs.map((run) => run.steady.warmupSec);
    const fill = config.redoFill;
    rows.push([
      config.label,
      `${config.steadyRuns}/${config.n}`,
      warmups.length ? `${Math.min(...warmups).toFixed(0)}–${Math.max(...warmups).toFixed(0)}` : '-',
      formatMeanCI(config.steadyOpsPerSec),
      String(config.stalls.length),
      fill ? `${formatBytes(fill.writtenBytes)} / ${formatBytes(fill.capacityBytes)}${fill.filled ? '' : ` — never filled: run ≥ ${fill.recommendedSec} s`}` : '-',
    ]);
  }
  return rows;
}

/** Every stall by name: configuration, run, when, how slow, the likely cause. */
export function stallLines(report: CompareReport): string[] {
  return report.configurations.flatMap((config) =>
    config.stalls.map((stall) => `${config.label}, ${stall.runId} at ${stall.elapsedSec.toFixed(0)} s: ${formatFigure(stall.opsPerSec)} ops/s — ${stall.cause}`),
  );
}

/** Per configuration: the mechanism figures per 1 000 operations, mean [CI] over its runs; null when none is known. */
export function mechanismRows(report: CompareReport): string[][] | null {
  const shown = MECHANISMS.filter(({ key }) => report.configurations.some((config) => config.mechanism[key] !== null));
  if (shown.length === 0) return null;
  return [['configuration', ...shown.map((m) => m.label)], ...report.configurations.map((config) => [config.label, ...shown.map(({ key }) => formatMeanCI(config.mechanism[key]))])];
}

/** The paired (A B B A) rows under a comparison: whole runs, steady state, the smallest detectable effect. */
export function pairedRows(report: CompareReport, comparison: CompareReport['comparisons'][number]): string[][] {
  const paired = comparison.paired;
  const rows = [['  steady state (warm-up, stalls left out)', comparison.steadyOpsPerSecText, '']];
  if (!paired) return rows;
  rows.push([`  paired over ${paired.whole.n} block(s)`, formatPaired(paired.whole), '']);
  rows.push(['  paired, steady state', formatPaired(paired.steady), '']);
  if (paired.whole.detectablePct !== null) {
    const target = report.targetEffectPct !== null && paired.blocksForTarget !== null ? `; ±${report.targetEffectPct} % needs about ${paired.blocksForTarget} block(s)` : '';
    rows.push(['  smallest detectable effect (80 % power)', `±${paired.whole.detectablePct.toFixed(1)} %${target}`, '']);
  }
  return rows;
}

function steadyStateLines(report: CompareReport): string[] {
  return ['', `Steady state (${report.warmupRule})`, ...textTable(steadyStateRows(report), '  '), ...stallLines(report).map((line) => `  stall: ${line}`)];
}

function mechanismLines(report: CompareReport): string[] {
  const rows = mechanismRows(report);
  if (rows === null) return [];
  return ['', `Mechanism per 1 000 operations (checkpoint-age peak: % of its maximum), mean [${Math.round(report.level * 100)} % CI] over runs:`, ...textTable(rows, '  ')];
}

/** JSON without Infinity (an unbounded CI side becomes null). */
export function compareJson(report: CompareReport): string {
  return JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2);
}
