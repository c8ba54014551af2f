/**
 * The sections that say what was run: the overview (scenario, server, matrix), the chart figures,
 * every run, redo sizing, the settings and server variables, and the notes and footer.
 */
import type { CompareReport, ConfigurationFigures } from '../analysis/verdicts/compare.js';
import { formatFigure, formatMeanCI } from '../format/compareText.js';
import { formatBytes } from '../format/bytes.js';
import type { RunSet, StoredRun } from '../results/readRuns.js';
import type { ChartSpec } from './charts.js';
import { configurationTable } from './compareSections.js';
import { escapeHtml, table } from './markup.js';

export function overviewSection(set: RunSet, report: CompareReport, colorOf: ReadonlyMap<string, string>, firstRun: StoredRun | undefined): string {
  const matrix = set.matrices[0];
  const overview: string[] = [];
  if (firstRun) {
    const driver = firstRun.environment?.driver;
    overview.push(`<p>Scenario <b>${escapeHtml(firstRun.scenario)}</b> on ${escapeHtml(firstRun.server?.flavour ?? '')} ${escapeHtml(firstRun.server?.version ?? '')}${driver ? `, driver ${escapeHtml(`${driver.name} ${driver.version}`)}` : ''}; ${report.configurations.length} configuration(s), ${report.configurations.reduce((sum, config) => sum + config.n, 0)} completed run(s).</p>`);
  }
  for (const entry of set.runs) {
    const switchback = entry.run?.summary?.switchback;
    if (switchback) overview.push(`<p><b>Design: switchback</b> (${escapeHtml(switchback.setting)} flipped every ${switchback.slotSec} s in one run, ${entry.runId}): ${escapeHtml(switchback.text)}</p>`);
  }
  const tags = distinctTags(set);
  if (tags.length) overview.push(`<p>Tags: ${tags.map((text) => `<code>${escapeHtml(text)}</code>`).join(' | ')}</p>`);
  if (matrix) {
    overview.push(`<p>Matrix: ${escapeHtml(matrix.settings.map((s) => `${s.name} = ${s.values.join(', ')}`).join('; '))}; ${matrix.repeat} repeat(s), ${escapeHtml(matrix.order)} order${matrix.seed !== undefined ? ` (seed ${matrix.seed})` : ''}; state ${escapeHtml(matrix.state)}.</p>`);
    if (matrix.restored.length > 0) overview.push(`<p>Restored afterwards: ${escapeHtml(matrix.restored.map((r) => `${r.name} = ${r.value}${r.ok ? '' : ' (FAILED)'}`).join(', '))}.</p>`);
  }
  if (report.excluded.length > 0) overview.push(`<p class="warn">Left out: ${escapeHtml(report.excluded.map((run) => `${run.runId} (${run.reason})`).join('; '))}</p>`);
  return `<section><h2>Overview</h2>${overview.join('\n')}${configurationTable(report, colorOf)}</section>`;
}

/** Each distinct set of `--tag` labels among the runs, as `key=value, …`. */
function distinctTags(set: RunSet): string[] {
  const texts = set.runs.map((entry) => Object.entries(entry.run?.tags ?? {}).map(([key, value]) => `${key}=${value}`).join(', '));
  return [...new Set(texts.filter(Boolean))];
}

/** The figures the page's script draws the charts into. */
export function chartsSection(charts: readonly ChartSpec[]): string {
  return `<section><h2>Over time and distribution</h2><p class="note">Server counters are server-wide: other clients' work on the same server is included. A last partial interval is left out of the time charts.</p><div class="charts">${charts.map((chart) => `<figure class="chart" id="chart-${chart.id}"><figcaption>${escapeHtml(chart.title)}</figcaption><div class="plot"></div></figure>`).join('\n')}</div></section>`;
}

export function runsSection(report: CompareReport): string {
  const runRows = report.configurations.flatMap((config) =>
    config.runs.map((run) => [config.label, run.runId, run.state, formatFigure(run.opsPerSec), formatMeanCI(run.intervalOpsPerSec, 'intervals'), String(run.intervalSamples.length), formatFigure(run.p95Ms), run.endReason ?? '-']),
  );
  return `<section><h2>Runs</h2><p>Per-run CI over the run's intervals (last partial interval left out).</p>${table(['configuration', 'run', 'state', 'ops/s', 'per-interval ops/s [CI]', 'intervals', 'p95 ms', 'end'], runRows)}</section>`;
}

export function redoSection(report: CompareReport): string {
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
  return `<section><h2>Redo sizing</h2><p>The seed's rule: Innodb_os_log_written per second × 3600 s ÷ innodb_log_files_in_group (1 when absent) = the redo size that holds an hour of this load.</p>${table(['configuration', 'redo written/s', 'for 1 h', 'in effect', 'in effect holds'], redoRows)}</section>`;
}

function variablesTable(configurations: readonly ConfigurationFigures[], runsByKey: ReadonlyMap<string, StoredRun>): string {
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

/** `runsByKey`: each configuration's first run, whose run.json holds what it ran with. */
export function settingsSection(report: CompareReport, runsByKey: ReadonlyMap<string, StoredRun>, firstRun: StoredRun | undefined): string {
  const settingRows: string[][] = [];
  for (const config of report.configurations) {
    const stored = runsByKey.get(config.key);
    for (const applied of stored?.settings?.applied ?? []) settingRows.push([config.label, applied.name, applied.requested, applied.inEffect, applied.method, applied.match]);
  }
  const settingsTable = settingRows.length > 0 ? `<h3>Settings applied by the matrix (verified before each run)</h3>${table(['configuration', 'variable', 'requested', 'in effect', 'how', 'match'], settingRows)}` : '';
  const configRows = firstRun ? Object.entries(firstRun.config).filter(([, value]) => typeof value !== 'object' || value === null).map(([name, value]) => [name, String(value)]) : [];
  return (
    `<section><h2>Settings and server variables</h2>${settingsTable}<h3>Server variables at the start of each configuration's first run</h3>` +
    `${variablesTable(report.configurations, runsByKey)}<h3>Run options</h3>${table(['option', 'value'], configRows)}</section>`
  );
}

export function notesSection(report: CompareReport): string | null {
  if (report.notes.length === 0) return null;
  return `<section><h2>Notes</h2><ul>${report.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul></section>`;
}

export function footer(set: RunSet, report: CompareReport, generatedAt: Date): string {
  return `<footer><p>${escapeHtml(report.method)}</p><p>Generated ${escapeHtml(generatedAt.toISOString())} by innobench from ${escapeHtml(set.path)}.</p></footer>`;
}
