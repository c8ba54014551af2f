/**
 * `innobench status-report <run-dir>`: the seed's awk script over a status capture, one line per
 * interval with the load average and the per-second rates (computed in analysis/server/statusReport.ts,
 * printed by format/statusReportText.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { parseGlobalStatusCapture, statusReport } from '../analysis/server/statusReport.js';
import { formatStatusReport } from '../format/statusReportText.js';
import { CliError, EXIT_FAILED } from './exit.js';

/** The capture file of a run folder, or the path itself when it names a file. */
function captureFileOf(path: string): string {
  if (existsSync(path) && statSync(path).isFile()) return path;
  return join(path, 'status-capture', 'global-status.txt');
}

export function statusReportCommand(yargs: Argv): Argv {
  return yargs.command(
    'status-report <run-dir>',
    'per-interval rates from a run\'s status capture (status-capture/global-status.txt)',
    (y) =>
      y
        .positional('run-dir', { describe: 'a run folder (results/<run-id>) or a global-status.txt file', type: 'string', demandOption: true })
        .options({ json: { type: 'boolean', default: false, describe: 'print the report as JSON' } }),
    (argv) => {
      const file = captureFileOf(String(argv['run-dir']));
      if (!existsSync(file)) {
        throw new CliError(`${file}: no status capture here (run with the status capture on, e.g. --status-capture 1s)`, EXIT_FAILED);
      }
      const samples = parseGlobalStatusCapture(readFileSync(file, 'utf8'));
      if (samples.length < 2) throw new CliError(`${file}: ${samples.length} sample(s); rates need at least two`, EXIT_FAILED);
      const report = statusReport(samples);
      if (argv.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else process.stdout.write(formatStatusReport(report) + '\n');
    },
  );
}
