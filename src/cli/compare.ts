/** `innobench compare <run-or-matrix>...`: reads runs and matrices and prints their comparison (model in analysis/verdicts/compare.ts). */
import type { Argv } from 'yargs';
import { buildComparison } from '../analysis/verdicts/compare.js';
import { readRuns, type RunSet } from '../results/readRuns.js';
import { comparisonOutput } from '../format/verdictText.js';
import { CliError, EXIT_INVALID, log } from './exit.js';

/** Reads every path; unreadable paths are collected and reported together. */
export function readRunSets(paths: readonly string[]): RunSet[] {
  const errors: string[] = [];
  const sets: RunSet[] = [];
  for (const path of paths) {
    try {
      sets.push(readRuns(path));
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  if (errors.length > 0) throw new CliError(errors.length === 1 ? errors[0]! : `cannot read:\n  ${errors.join('\n  ')}`, EXIT_INVALID);
  return sets;
}

export function compareCommand(yargs: Argv): Argv {
  return yargs.command(
    'compare <runs..>',
    'compare runs and matrices: ops/s with confidence intervals, merged latency percentiles, server cost per operation, redo sizing',
    (y) =>
      y
        .positional('runs', { describe: 'run folders, matrix folders or folders of runs', type: 'string', array: true })
        .options({ json: { describe: 'print the comparison as JSON', type: 'boolean', default: false } }),
    (argv) => {
      const paths = (argv.runs as string[] | undefined) ?? [];
      if (paths.length === 0) throw new CliError('name at least one run, matrix or results folder', EXIT_INVALID);
      const report = buildComparison(readRunSets(paths));
      if (report.configurations.length === 0 && report.excluded.length === 0) log('no run found');
      process.stdout.write(comparisonOutput(report, argv.json === true));
    },
  );
}
