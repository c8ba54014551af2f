/**
 * The verdict a DBA could paste into a ticket, one paragraph per configuration against the first
 * (text from the comparison alone): the setting, the effect with its interval (paired over blocks where
 * the matrix ran them, else Welch over runs), what the comparison could have detected, the
 * mechanism, whether steady state was reached and where the effect lies, the stalls by name, the
 * redo fill, and the seed's redo sizing rule.
 */
import { MIN_SAMPLES } from '../analysis/verdicts/steadyState.js';
import { formatPaired } from '../analysis/verdicts/paired.js';
import type { CompareReport, ConfigurationComparison, ConfigurationFigures } from '../analysis/verdicts/compare.js';
import { formatBytes } from './bytes.js';
import { compareJson, formatCompare, formatFigure } from './compareText.js';

/** "innodb_log_file_size 48M → 1G": the settings that differ; the labels when nothing does. */
function settingChange(reference: ConfigurationFigures, other: ConfigurationFigures): string {
  const a = reference.settings ?? {};
  const b = other.settings ?? {};
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((name) => a[name] !== b[name]);
  if (names.length === 0) return `${other.label} against ${reference.label}`;
  return names.map((name) => `${name} ${a[name] ?? '(unchanged)'} → ${b[name] ?? '(unchanged)'}`).join(', ');
}

function effectSentence(comparison: ConfigurationComparison, aa: boolean): string {
  const paired = comparison.paired;
  const whole = paired && paired.whole.n >= 2 ? `${formatPaired(paired.whole)} (paired over ${paired.whole.n} A B B A blocks)` : `${comparison.opsPerSecText} (Welch over runs)`;
  const steady = paired && paired.steady.n >= 2 ? formatPaired(paired.steady) : comparison.steadyOpsPerSecText;
  let text = `Throughput: ${whole} over whole runs; ${steady} in steady state (warm-up and stalls left out).`;
  if (aa) {
    const significant = paired && paired.whole.n >= 2 ? paired.whole.significant : comparison.opsPerSec.significant;
    text += significant ? ' A/A CHECK FAILED: identical settings came out different, so the setup is noisier than its interval says.' : ' As an A/A check must, it finds no difference.';
  }
  if (paired && paired.whole.detectablePct !== null) {
    text += ` At this noise it could detect effects of ±${paired.whole.detectablePct.toFixed(1)} % or more (80 % power)`;
    text += paired.blocksForTarget !== null && paired.blocksForTarget > paired.whole.n ? `; about ${paired.blocksForTarget} blocks would narrow the interval to the target.` : '.';
  }
  return text;
}

function mechanismSentence(comparison: ConfigurationComparison, indicative: boolean): string {
  if (comparison.mechanism.length === 0) return 'Mechanism: no per-operation server figure changed significantly.';
  const parts = comparison.mechanism.slice(0, 3).map((change) => `${change.label} ${formatFigure(change.reference)} → ${formatFigure(change.other)} (${change.changePct > 0 ? '+' : ''}${change.changePct.toFixed(0)} %)`);
  return `Mechanism${indicative ? ' (indicative, 1 run a side)' : ''}, per 1 000 operations: ${parts.join(', ')}.`;
}

function steadySentence(reference: ConfigurationFigures, other: ConfigurationFigures, comparison: ConfigurationComparison): string {
  const reached = `Steady state reached in ${reference.steadyRuns}/${reference.n} runs of ${reference.label} and ${other.steadyRuns}/${other.n} of ${other.label}`;
  const wholePct = comparison.paired?.whole.changePct ?? comparison.opsPerSec.changePct;
  const steadyPct = comparison.paired?.steady.changePct ?? comparison.steadyOpsPerSec.changePct;
  let text = `${reached}.`;
  const unjudged = reference.unjudgedRuns + other.unjudgedRuns;
  const unreached = reference.n - reference.steadyRuns + (other.n - other.steadyRuns) - unjudged;
  if (unreached > 0) text += ` Warning: ${unreached} run(s) never stopped trending (throughput or checkpoint age), so part of this comparison measures warm-up, not the steady state.`;
  if (unjudged > 0) {
    text += ` Warning: ${unjudged} run(s) had fewer than ${MIN_SAMPLES} intervals, too few to judge whether they reached a steady state (a shorter --interval or longer runs would), so part of this comparison may measure warm-up.`;
  }
  if (Number.isFinite(wholePct) && Number.isFinite(steadyPct) && Math.abs(wholePct) >= 2 * Math.abs(steadyPct) + 3) {
    text += ` Most of the effect lies in the warm-up: ${wholePct.toFixed(0)} % over whole runs, ${steadyPct.toFixed(0)} % once steady — longer runs will show less.`;
  }
  for (const config of [reference, other]) {
    const fill = config.redoFill;
    if (fill && !fill.filled) {
      text +=
        ` ${config.label}: a run wrote ${formatBytes(fill.writtenBytes)} of its ${formatBytes(fill.capacityBytes)} redo, so it never met the checkpoint pressure the redo size is about` +
        ` (${formatBytes(fill.capacityBytes)} at ${formatBytes(fill.bytesPerSec)}/s fills in ${fill.fillSec.toFixed(0)} s); run at least ${fill.recommendedSec} s.`;
    }
  }
  return text;
}

function stallSentence(reference: ConfigurationFigures, other: ConfigurationFigures): string {
  const stalls = [...reference.stalls.map((s) => ({ ...s, label: reference.label })), ...other.stalls.map((s) => ({ ...s, label: other.label }))];
  if (stalls.length === 0) return 'Stalls: none (no interval below 10 % of its run\'s median).';
  const shown = stalls.slice(0, 4).map((s) => `${s.label}, ${s.runId} at ${s.elapsedSec.toFixed(0)} s: ${s.opsPerSec.toFixed(0)} ops/s — ${s.cause}`);
  return `Stalls (named, not averaged into the steady state): ${shown.join('; ')}${stalls.length > 4 ? `; and ${stalls.length - 4} more` : ''}.`;
}

function redoRule(config: ConfigurationFigures): string {
  const redo = config.redo;
  if (!redo) return '';
  const holds = redo.holdsSeconds === null ? '?' : redo.holdsSeconds < 120 ? `${redo.holdsSeconds.toFixed(0)} s` : `${(redo.holdsSeconds / 60).toFixed(1)} min`;
  const inEffect = redo.inEffect ? `; ${config.label} holds ${holds} of it` : '';
  return ` Redo sizing rule: this load writes ${formatBytes(redo.bytesPerSec)}/s, so an hour needs ${formatBytes(redo.perFileBytes)}${redo.filesInGroup > 1 ? ` per file × ${redo.filesInGroup}` : ''} (Innodb_os_log_written/s × 3600 ÷ files in group)${inEffect}.`;
}

/** One paragraph per comparison, in the comparison's order. */
export function verdictParagraphs(report: CompareReport): string[] {
  const reference = report.configurations[0];
  if (!reference) return [];
  return report.comparisons.map((comparison) => {
    const other = report.configurations.find((config) => config.label === comparison.label)!;
    const indicative = reference.n < 2 || other.n < 2;
    return [
      `Verdict — ${settingChange(reference, other)}:`,
      effectSentence(comparison, report.aa),
      mechanismSentence(comparison, indicative),
      steadySentence(reference, other, comparison),
      stallSentence(reference, other),
    ].join(' ') + redoRule(other);
  });
}

/** The verdicts as a text section (empty when there is nothing to compare). */
export function formatVerdicts(report: CompareReport): string {
  const paragraphs = verdictParagraphs(report);
  return paragraphs.length === 0 ? '' : ['', ...paragraphs.flatMap((p) => [p, ''])].join('\n');
}

/** What compare, matrix and experiment print: the comparison and its verdicts, as text or JSON. */
export function comparisonOutput(report: CompareReport, json: boolean): string {
  if (!json) return formatCompare(report) + formatVerdicts(report);
  const withVerdicts: CompareReport & { verdicts: string[] } = { ...report, verdicts: verdictParagraphs(report) };
  return compareJson(withVerdicts) + '\n';
}
