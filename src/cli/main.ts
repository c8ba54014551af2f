#!/usr/bin/env node
/** The innobench command line: yargs only; each command lives in its own file. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { prepareCommand } from './prepare.js';
import { runCommand } from './run.js';
import { cleanupCommand } from './cleanup.js';
import { statusCommand } from './status.js';
import { summaryCheckCommand } from './summaryCheck.js';
import { countFeaturesCommand } from './countFeatures.js';
import { mergeCommand } from './merge.js';
import { explainCommand } from './explain.js';
import { statusReportCommand } from './statusReport.js';
import { indexCheckCommand } from './indexCheck.js';
import { poolCheckCommand } from './poolCheck.js';
import { runsCommand } from './runs.js';
import { compareCommand } from './compare.js';
import { gateCommand } from './gate.js';
import { matrixCommand } from './matrix.js';
import { experimentCommand } from './experiment.js';
import { reportCommand } from './report.js';
import { doctorCommand } from './doctor.js';
import { restoreCommand } from './restore.js';
import { preloadScenarioModule } from './scenarioArg.js';
import { restoreEveryJournal } from '../serverState/journal.js';
import { CliError, EXIT_INVALID, log } from './exit.js';
import { VERSION } from './version.js';

// The process title is what `ps` shows: never the arguments, which may hold a password.
process.title = 'innobench';

async function main(): Promise<void> {
  let cli = yargs(hideBin(process.argv))
    .scriptName('innobench')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .wrap(Math.min(120, process.stdout.columns || 100))
    // As the mysql tools do, an option given twice takes its last value (a script's default, then the
    // user's); only options declared as lists (--set, --threshold, --baseline …) collect every value.
    .middleware((argv) => {
      // getOptions() is yargs' runtime API, missing from @types/yargs.
      const lists = new Set<string>((cli as unknown as { getOptions(): { array: string[] } }).getOptions().array);
      for (const [key, value] of Object.entries(argv)) {
        if (key !== '_' && key !== '--' && Array.isArray(value) && !lists.has(key)) argv[key] = value[value.length - 1];
      }
    }, true)
    .fail((message, error) => {
      // yargs reports its own validation failures (missing values, unknown options) as YError.
      if (!error || error.name === 'YError') throw new CliError(message || error?.message || 'invalid command line', EXIT_INVALID);
      throw error;
    });
  await preloadScenarioModule(hideBin(process.argv));
  for (const register of [prepareCommand, runCommand, cleanupCommand, statusCommand, summaryCheckCommand, countFeaturesCommand, mergeCommand, explainCommand, statusReportCommand, indexCheckCommand, poolCheckCommand, runsCommand, compareCommand, gateCommand, matrixCommand, experimentCommand, reportCommand, doctorCommand, restoreCommand]) cli = register(cli);
  await cli.parseAsync();
}

// A bug must not leave the server changed: put back what this process journalled, then fail.
process.on('uncaughtException', (error) => {
  log(`innobench: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  void restoreEveryJournal(log, 3000).finally(() => process.exit(1));
});

// Every command ends here, however it ended: what it changed on a server and did not put back
// (an error on the way) is put back before the process exits.
main()
  .finally(() => restoreEveryJournal(log))
  .then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      if (error instanceof CliError) {
        log(`innobench: ${error.message}`);
        if (error.exitCode === EXIT_INVALID) log('run `innobench --help` or `innobench <command> --help` for the options');
        process.exit(error.exitCode);
      }
      const message = error instanceof Error ? error.message : String(error);
      log(`innobench: ${message.split('\n')[0]}`);
      process.exit(1);
    },
  );
