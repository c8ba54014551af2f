/**
 * `innobench restore`: puts back the server changes an innobench process journalled and could not
 * undo itself (it was killed with SIGKILL, or the server was down as it left): globals,
 * performance_schema setup rows, the buffer pool size, option-file drop-ins, added indexes.
 * Refuses while another innobench holds changes on the server (they are its own).
 */
import type { Argv } from 'yargs';
import { restoreLeftovers } from '../serverState/leftovers.js';
import { JournalBusy } from '../serverState/journal.js';
import { CONNECTION_OPTIONS, Validator, connectionFrom } from './options.js';
import { CliError, EXIT_FAILED, invalid } from './exit.js';

export function restoreCommand(yargs: Argv): Argv {
  return yargs.command(
    'restore',
    'put back the server settings a killed innobench left changed (from the journal in the harness database)',
    (y) =>
      y.options({
        ...CONNECTION_OPTIONS,
        'dry-run': { describe: 'list what would be put back, change nothing', type: 'boolean', default: false },
        forget: { describe: 'take the leftovers out of the journal without applying them (put back by hand, or impossible here)', type: 'boolean', default: false },
      }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      if (v.errors.length) throw invalid(v.errors);
      const mode = argv['dry-run'] === true ? 'dry-run' : argv.forget === true ? 'forget' : 'restore';
      let outcomes;
      try {
        outcomes = await restoreLeftovers(connection, mode);
      } catch (error) {
        if (error instanceof JournalBusy) throw new CliError(`restore: ${error.message}`, EXIT_FAILED);
        throw error;
      }
      if (outcomes.length === 0) {
        process.stdout.write('restore: nothing to put back: no innobench left this server changed\n');
        return;
      }
      for (const { entry, ok, detail } of outcomes) {
        const what = `${entry.kind}: ${entry.description} (\`${entry.command}\`, pid ${entry.ownerPid} on ${entry.ownerHost})`;
        process.stdout.write(mode === 'dry-run' ? `would restore ${what}: ${detail}\n` : !ok ? `FAILED ${what}: ${detail}\n` : `${detail} ${what}\n`);
      }
      const failed = outcomes.filter((outcome) => !outcome.ok).length;
      if (failed) throw new CliError(`restore: ${failed} of ${outcomes.length} change(s) could not be put back; they stay in the journal (\`--forget\` takes out what was put back by hand)`, EXIT_FAILED);
    },
  );
}
