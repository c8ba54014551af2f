/**
 * `innobench runs [--results DIR]`: the runs in a results folder (matrix folders included), one
 * line each: id, scenario, state, ops/s, p95, why it ended. A run whose run.json still says
 * `running` was killed (or is still going: its run.json was written within the last two
 * intervals) and is shown as incomplete.
 */
import type { Argv } from 'yargs';
import { readRuns, type RunEntry } from '../results/readRuns.js';
import { formatFigure, textTable } from '../format/compareText.js';
import { CliError, EXIT_INVALID } from './exit.js';

export interface RunListing {
  runId: string;
  dir: string;
  scenario: string;
  /** completed, interrupted, failed, incomplete (killed), running (written recently) or unreadable. */
  state: string;
  startedAt: string | null;
  opsPerSec: number | null;
  p95Ms: number | null;
  endReason: string | null;
  matrixId: string | null;
  label: string | null;
  problem?: string;
}

/** A `running` run.json written within this long is taken as a run still going. */
function stillGoingWithinMs(entry: RunEntry): number {
  const intervalMs = Number(entry.run?.config?.intervalMs);
  return 2 * (Number.isFinite(intervalMs) && intervalMs > 0 ? intervalMs : 5000) + 10_000;
}

function listingOf(entry: RunEntry, now = Date.now()): RunListing {
  const run = entry.run;
  let state: string;
  if (run === null) state = 'unreadable';
  else if (run.state === 'running') state = now - entry.modifiedMs <= stillGoingWithinMs(entry) ? 'running' : 'incomplete';
  else state = run.state;
  const listing: RunListing = {
    runId: entry.runId,
    dir: entry.dir,
    scenario: run?.scenario ?? '-',
    state,
    startedAt: run?.startedAt ?? null,
    opsPerSec: run?.summary?.opsPerSec ?? null,
    p95Ms: run?.summary?.latencyMs?.p95 ?? null,
    // A killed run's summary holds the figures so far and an end reason that never happened.
    endReason: run?.state === 'running' ? null : (run?.summary?.endReason ?? null),
    matrixId: entry.matrixId ?? null,
    label: entry.matrixId !== undefined ? entry.label : null,
  };
  if (entry.problem) listing.problem = entry.problem;
  return listing;
}

export function listRuns(resultsDir: string, now = Date.now()): RunListing[] {
  const set = readRuns(resultsDir);
  return set.runs.map((entry) => listingOf(entry, now)).sort((a, b) => (a.startedAt ?? a.runId).localeCompare(b.startedAt ?? b.runId));
}

function formatRunList(runs: readonly RunListing[]): string {
  if (runs.length === 0) return 'no runs\n';
  const rows = [
    ['run', 'scenario', 'state', 'ops/s', 'p95 ms', 'end', 'matrix configuration'],
    ...runs.map((run) => [
      run.runId,
      run.scenario,
      run.state === 'incomplete' ? 'incomplete (still "running": killed?)' : run.state,
      formatFigure(run.opsPerSec),
      formatFigure(run.p95Ms),
      run.endReason ?? '-',
      run.matrixId === null ? '' : `${run.matrixId}: ${run.label ?? ''}`,
    ]),
  ];
  return textTable(rows).join('\n') + '\n';
}

export function runsCommand(yargs: Argv): Argv {
  return yargs.command(
    'runs',
    'list the runs in a results folder: id, scenario, state (incomplete when killed), ops/s, p95, end reason',
    (y) =>
      y.options({
        results: { describe: 'results folder (a run or matrix folder works too)', type: 'string', default: 'results' },
        json: { describe: 'print the list as JSON', type: 'boolean', default: false },
      }),
    (argv) => {
      let runs: RunListing[];
      try {
        runs = listRuns(String(argv.results));
      } catch (error) {
        throw new CliError(`--results: ${(error as Error).message}`, EXIT_INVALID);
      }
      process.stdout.write(argv.json ? JSON.stringify(runs, null, 2) + '\n' : formatRunList(runs));
    },
  );
}
