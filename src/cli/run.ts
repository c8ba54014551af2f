/** `innobench run <scenario>`: apply load, report each interval, write results, summarise. */
import type { Argv } from 'yargs';
import { featuresFor } from './prepare.js';
import { runBenchmark } from '../engine/orchestrator.js';
import { CONNECTION_OPTIONS, LIBRARY_OPTIONS, RUN_OPTIONS, Validator, connectionFrom, librarySettings, runSettings } from './options.js';
import { CliError, EXIT_FAILED, invalid, log } from './exit.js';
import { summaryText } from './summaryText.js';
import { SCENARIOS } from '../../scenarios/index.js';
import { VERSION } from './version.js';
import { undoAll } from '../engine/globalsGuard.js';

export function runCommand(yargs: Argv): Argv {
  const scenarioOptions = Object.assign({}, ...Object.values(SCENARIOS).map((entry) => groupOptions(entry.scenario.name, entry.scenario.options)));
  return yargs.command(
    'run <scenario>',
    'run a scenario against the server and record the results',
    (y) =>
      y
        .positional('scenario', { describe: 'scenario to run', choices: Object.keys(SCENARIOS), type: 'string' })
        .options({ ...CONNECTION_OPTIONS, ...LIBRARY_OPTIONS, ...RUN_OPTIONS, ...scenarioOptions }),
    async (argv) => {
      const entry = SCENARIOS[String(argv.scenario)]!;
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      const library = librarySettings(argv, v);
      const settings = runSettings(argv, v);
      if (v.errors.length) throw invalid(v.errors);

      const features = featuresFor(library);
      const scenarioValues = Object.fromEntries(Object.keys(entry.scenario.options).map((name) => [name, argv[name]]));
      const stop = new AbortController();
      let interrupts = 0;
      const onSigint = (): void => {
        interrupts++;
        if (interrupts === 1) {
          log('SIGINT: stopping after the operations in flight (press Ctrl-C again to force)');
          stop.abort();
        } else {
          log('second SIGINT: restoring changed server settings, then exiting');
          void undoAll(2000, log).finally(() => process.exit(130));
        }
      };
      process.on('SIGINT', onSigint);
      try {
        const run = await runBenchmark({
          scenario: entry.scenario,
          scenarioModule: entry.module,
          connection,
          options: { flag: library.flag, seed: library.seed, featureBytes: library.featureBytes, featureFile: library.featureFile ?? 'generated', ...scenarioValues },
          workers: settings.workers,
          threads: Math.min(settings.threads, settings.workers),
          durationMs: settings.durationMs,
          intervalMs: settings.intervalMs,
          retry: { retries: settings.retries, backoffMs: settings.retryBackoffMs },
          features,
          resultsRoot: settings.results,
          stop: stop.signal,
          log,
          version: VERSION,
          ...((settings.captureDeadlocks ?? entry.scenario.captureDeadlocks === true) ? { deadlockPollMs: settings.deadlockPollMs } : {}),
        });
        log(summaryText(run));
        if (settings.json) process.stdout.write(JSON.stringify(run, null, 2) + '\n');
        if (run.state === 'failed') throw new CliError(`run failed: ${run.error ?? 'unknown error'}`, EXIT_FAILED);
      } finally {
        process.off('SIGINT', onSigint);
      }
    },
  );
}

function groupOptions(scenario: string, options: Record<string, object>): Record<string, object> {
  return Object.fromEntries(Object.entries(options).map(([name, option]) => [name, { ...option, group: `${scenario}:` }]));
}
