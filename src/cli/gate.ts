/**
 * `innobench gate --baseline <run|matrix|folder> --current <run> --threshold "..."`: the nightly
 * regression gate. Thresholds and run files are checked first (every error at once, exit 2); then
 * the current run is held to the thresholds, relative ones against the mean of the baseline runs,
 * and the verdict decides the exit code: 0 pass, 1 a threshold failed, 2 invalid thresholds or a
 * malformed run.json, 3 nothing to judge (the current run incomplete, failed or without a single
 * operation; or no baseline run, unless --allow-no-baseline).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { evaluateGate, type GateResult, type GateVerdict } from '../analysis/verdicts/gate.js';
import { formatGateTable, gateJUnitXml, gateMarkdown } from '../analysis/verdicts/gateReport.js';
import { parseThresholds, type Threshold } from '../analysis/verdicts/thresholds.js';
import { parseInteger } from '../config/units.js';
import { readRuns, type RunEntry, type StoredRun } from '../results/readRuns.js';
import { EXIT_FAILED, EXIT_INVALID, EXIT_NOTHING_TO_JUDGE, invalid, log } from './exit.js';

/** Used when no --threshold is given. */
const DEFAULT_THRESHOLDS = [
  'opsPerSec >= -10%',
  'latency.p99 <= +20%',
  'errors == 0',
  'accounting == ok',
  'verification == ok',
  'exhausted == 0',
  'droppedPct <= 0.1',
] as const;

function exitCodeOf(verdict: GateVerdict): number {
  switch (verdict) {
    case 'pass':
      return 0;
    case 'fail':
      return EXIT_FAILED;
    case 'invalid':
      return EXIT_INVALID;
    case 'nothing-to-judge':
      return EXIT_NOTHING_TO_JUDGE;
  }
}

interface GatePlan {
  thresholds: Threshold[];
  baseline: StoredRun[];
  current: StoredRun;
  allowNoBaseline: boolean;
  /** Said on stderr before the table: what the baseline is made of. */
  notes: string[];
}

function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Parses and checks every option; returns the plan or every error found. */
function planGate(argv: Record<string, unknown>): { ok: true; plan: GatePlan } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const notes: string[] = [];
  const declared = asList(argv.threshold);
  const parsed = parseThresholds(declared.length > 0 ? declared : [...DEFAULT_THRESHOLDS]);
  if (!parsed.ok) errors.push(...parsed.errors);
  if (declared.length === 0) notes.push(`no --threshold given: using the defaults ${DEFAULT_THRESHOLDS.map((t) => `"${t}"`).join(', ')}`);

  let last: number | undefined;
  if (argv['baseline-last'] !== undefined) {
    const n = parseInteger('baseline-last', argv['baseline-last'], 1, 100_000);
    if (n.ok) last = n.value;
    else errors.push(n.error);
  }
  const current = readCurrent(argv, errors);
  const chosen = chooseBaseline(argv, errors, notes);
  if (errors.length > 0 || current === undefined || !parsed.ok) return { ok: false, errors };
  const baseline = usableBaseline(chosen, current, last, notes);
  return { ok: true, plan: { thresholds: parsed.thresholds, baseline, current, allowNoBaseline: argv['allow-no-baseline'] === true, notes } };
}

/** --current: exactly one readable run folder. */
function readCurrent(argv: Record<string, unknown>, errors: string[]): StoredRun | undefined {
  const currentPath = argv.current === undefined ? undefined : String(argv.current);
  if (currentPath === undefined) {
    errors.push('--current: name the run folder to judge');
    return undefined;
  }
  try {
    const set = readRuns(currentPath);
    if (set.kind !== 'run') errors.push(`--current ${currentPath}: expected one run folder, found a ${set.kind} folder with ${set.runs.length} runs`);
    else if (set.runs[0]!.run === null) errors.push(`--current ${currentPath}: ${set.runs[0]!.problem ?? 'run.json unreadable'}`);
    else return set.runs[0]!.run;
  } catch (error) {
    errors.push(`--current: ${(error as Error).message}`);
  }
  return undefined;
}

/** The --baseline folders' runs, narrowed to one matrix configuration (--baseline-label) where they hold several. */
function chooseBaseline(argv: Record<string, unknown>, errors: string[], notes: string[]): RunEntry[] {
  const baselinePaths = asList(argv.baseline);
  if (baselinePaths.length === 0) errors.push('--baseline: name at least one run, matrix or results folder');
  const entries: RunEntry[] = [];
  for (const path of baselinePaths) {
    try {
      const set = readRuns(path);
      notes.push(...set.notes);
      entries.push(...set.runs);
    } catch (error) {
      errors.push(`--baseline: ${(error as Error).message}`);
    }
  }
  const label = argv['baseline-label'] === undefined ? undefined : String(argv['baseline-label']);
  let chosen = entries;
  if (label !== undefined) {
    chosen = entries.filter((entry) => entry.label === label);
    if (chosen.length === 0 && entries.length > 0) {
      errors.push(`--baseline-label "${label}": no baseline run has it; labels: ${[...new Set(entries.map((e) => e.label))].join(' | ')}`);
    }
  } else {
    const matrixLabels = [...new Set(entries.filter((entry) => entry.matrixId !== undefined).map((entry) => `${entry.matrixId}: ${entry.label}`))];
    if (matrixLabels.length > 1) {
      errors.push(`--baseline holds ${matrixLabels.length} matrix configurations; pick one with --baseline-label (${[...new Set(entries.filter((e) => e.matrixId !== undefined).map((e) => `"${e.label}"`))].join(', ')})`);
    }
  }
  // A run.json that is there but malformed is refused: read as zeros it could make a gate pass.
  for (const entry of chosen.filter((e) => e.malformed)) errors.push(`--baseline: ${entry.problem ?? `${entry.dir}: malformed`}`);
  return chosen;
}

/** The baseline runs the current run is judged against: readable, of its scenario, the --baseline-last latest. */
function usableBaseline(chosen: RunEntry[], current: StoredRun, last: number | undefined, notes: string[]): StoredRun[] {
  // A folder without its run.json (a child that died before writing it) is no run; say so and go on.
  for (const entry of chosen.filter((e) => e.run === null)) notes.push(`baseline ${entry.runId} left out: ${entry.problem ?? 'unreadable'}`);
  let baseline = chosen.map((entry) => entry.run).filter((run): run is StoredRun => run !== null);
  const otherScenario = baseline.filter((run) => run.scenario !== current.scenario);
  if (otherScenario.length > 0) {
    notes.push(`${otherScenario.length} baseline run(s) of another scenario than ${current.scenario} left out: ${otherScenario.map((run) => `${run.runId} (${run.scenario})`).join(', ')}`);
    baseline = baseline.filter((run) => run.scenario === current.scenario);
  }
  if (last === undefined) return baseline;
  const usable = baseline.filter((run) => run.state === 'completed' && run.runId !== current.runId).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const kept = usable.slice(-last);
  const others = baseline.filter((run) => !usable.includes(run));
  if (usable.length > kept.length) notes.push(`--baseline-last ${last}: using the ${kept.length} latest of ${usable.length} completed baseline runs`);
  return [...others, ...kept];
}

function describeBaseline(result: GateResult): string[] {
  const lines = [`baseline: ${result.baselineRunIds.length} run(s)${result.baselineRunIds.length ? `: ${result.baselineRunIds.join(', ')}` : ''}`];
  for (const ignored of result.ignoredBaselineRuns) lines.push(`baseline ${ignored.runId} ignored: ${ignored.reason}`);
  return lines;
}

function writeOutput(path: string, content: string, what: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    log(`${what} written to ${path}`);
  } catch (error) {
    throw invalid([`--${what} ${path}: ${(error as Error).message}`]);
  }
}

export function gateCommand(yargs: Argv): Argv {
  return yargs.command(
    'gate',
    'hold a run to thresholds against a baseline; exit 0 pass, 1 a threshold failed, 2 invalid thresholds or a malformed run.json, 3 nothing to judge',
    (y) =>
      y
        .options({
          baseline: { describe: 'baseline run, matrix or results folder (repeatable)', type: 'string', array: true, group: 'Gate:' },
          'baseline-last': { describe: 'use only the N most recent completed baseline runs', type: 'string', group: 'Gate:' },
          'baseline-label': { describe: 'the matrix configuration to use as baseline, when the baseline holds several', type: 'string', group: 'Gate:' },
          'allow-no-baseline': { describe: 'pass a run that meets its thresholds when there is no baseline run yet (a first night); otherwise no baseline exits 3', type: 'boolean', default: false, group: 'Gate:' },
          current: { describe: 'the run folder to judge', type: 'string', group: 'Gate:' },
          threshold: {
            describe:
              'threshold, repeatable: "opsPerSec >= -5%", "latency.p99 <= +10%", "latency.p95 <= 20" (ms), "errors == 0", "accounting == ok", ' +
              '"verification == ok", "exhausted == 0" (operations that gave up after their retries), "dropped <= 100", ' +
              '"droppedPct <= 0.1" (open loop: % of the operations due that were dropped), "status.Innodb_data_fsyncs <= +20%" (per second). ' +
              `Default: ${DEFAULT_THRESHOLDS.join('; ')}`,
            type: 'string',
            array: true,
            group: 'Gate:',
          },
          junit: { describe: 'write a JUnit XML report here', type: 'string', group: 'Output:' },
          markdown: { describe: 'write a Markdown report here', type: 'string', group: 'Output:' },
          json: { describe: 'print the gate result as JSON instead of the table', type: 'boolean', default: false, group: 'Output:' },
        })
        .epilog(
          'Relative thresholds compare with the mean of the baseline runs; with 3 or more baseline runs a change beyond the threshold ' +
            "that stays inside the baseline's 95 % prediction interval is reported as noise and passes. " +
            `Without --threshold the defaults apply: ${DEFAULT_THRESHOLDS.join(', ')} ` +
            '(accounting fails for a scenario that records none: give thresholds explicitly there; a run without verification passes it). ' +
            'Exit codes: 0 pass; 1 a threshold failed; 2 invalid options or thresholds, or a malformed run.json (named); ' +
            '3 nothing to judge: the current run did not complete, failed or measured 0 operations, or no baseline run is usable ' +
            '(an empty baseline is not a pass unless --allow-no-baseline).',
        ),
    (argv) => {
      const planned = planGate(argv);
      if (!planned.ok) throw invalid(planned.errors);
      const { plan } = planned;
      for (const note of plan.notes) log(note);
      const result = evaluateGate(plan.baseline, plan.current, plan.thresholds, { allowNoBaseline: plan.allowNoBaseline });
      for (const line of describeBaseline(result)) log(line);
      process.stdout.write(argv.json ? JSON.stringify(result, null, 2) + '\n' : formatGateTable(result));
      if (typeof argv.junit === 'string') writeOutput(argv.junit, gateJUnitXml(result), 'junit');
      if (typeof argv.markdown === 'string') writeOutput(argv.markdown, gateMarkdown(result), 'markdown');
      process.exitCode = exitCodeOf(result.verdict);
    },
  );
}
