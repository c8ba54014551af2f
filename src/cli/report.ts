/**
 * `innobench report <run|matrix|folder> [-o report.html]`: one self-contained HTML file (charts
 * library and data inlined, nothing fetched when it is opened). Default: report.html inside the
 * folder given.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { readRuns, type RunSet } from '../results/readRuns.js';
import { renderReport } from '../report/html.js';
import { CliError, EXIT_FAILED, EXIT_INVALID, log } from './exit.js';

export function writeReport(path: string, output?: string): { file: string; set: RunSet } {
  let set: RunSet;
  try {
    set = readRuns(path);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT_INVALID);
  }
  if (set.runs.length === 0) throw new CliError(`${path}: no run found`, EXIT_INVALID);
  const file = output ?? join(set.kind === 'run' ? set.runs[0]!.dir : set.path, 'report.html');
  const html = renderReport(set);
  try {
    writeFileSync(file, html);
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${(error as Error).message}`, EXIT_FAILED);
  }
  return { file, set };
}

export function reportCommand(yargs: Argv): Argv {
  return yargs.command(
    'report <path>',
    'write a self-contained HTML report of a run, a matrix or a folder of runs',
    (y) =>
      y
        .positional('path', { describe: 'run folder, matrix folder or results folder', type: 'string' })
        .options({ output: { alias: 'o', describe: 'the HTML file to write (default: report.html in that folder)', type: 'string' } }),
    (argv) => {
      const { file, set } = writeReport(String(argv.path), typeof argv.output === 'string' ? argv.output : undefined);
      log(`report of ${set.runs.length} run(s) written to ${file}`);
      process.stdout.write(`${file}\n`);
    },
  );
}
