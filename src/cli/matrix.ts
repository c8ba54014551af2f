/**
 * `innobench matrix --set name=v1,v2 [--set …] --repeat 3 -- run <scenario> <run options>`: the
 * command. Its options become a MatrixRequest, checked once into a plan (cli/matrixRequest.ts);
 * the plan goes to the experiment (experiment/matrix.ts) with the stop signals forwarded, and the
 * closing comparison is printed and the outcome mapped to an exit code. `experiment` runs its
 * designed matrices through runMatrix too.
 */
import type { Argv } from 'yargs';
import { MatrixRunner, type MatrixOutcome } from '../experiment/matrix.js';
import type { MatrixPlan } from '../experiment/matrixPlan.js';
import { SwitchbackRunner, type SwitchbackOutcome } from '../experiment/switchbackRun.js';
import type { MatrixRequest } from '../experiment/matrixRequest.js';
import { MATRIX_FILE, readRuns } from '../results/readRuns.js';
import { buildComparison } from '../analysis/verdicts/compare.js';
import { comparisonOutput } from '../format/verdictText.js';
import { CliError, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, invalid, log } from './exit.js';
import { MATRIX_SHARED_OPTIONS, passthroughTokens, planMatrix, sharedRequest, text } from './matrixRequest.js';
import { handleStopSignals, signalExitCode } from './signals.js';

/** The matrix command's options as a request. */
export function matrixRequest(argv: Record<string, unknown>, run: string[]): MatrixRequest {
  return {
    ...sharedRequest(argv),
    sets: argv.set === undefined ? [] : (Array.isArray(argv.set) ? argv.set : [argv.set]).map(String),
    aa: argv.aa === true,
    external: text(argv.external),
    applyCmd: text(argv['apply-cmd']),
    verifyCmd: text(argv['verify-cmd']),
    restoreCmd: text(argv['restore-cmd']),
    repeat: String(argv.repeat),
    order: String(argv.order),
    seed: String(argv.seed),
    warmup: text(argv.warmup),
    viaRestart: text(argv['via-restart']),
    run,
  };
}

/**
 * Runs the plan under the CLI's stop-signal handling: the first signal stops the run in progress
 * (the loop then restores the settings), a second kills it, restores everything and exits 128 + signal.
 */
export async function runMatrix(plan: MatrixPlan, json: boolean): Promise<void> {
  if (plan.switchback !== null) return runSwitchback(plan, json);
  const runner = new MatrixRunner(plan, log);
  const cleanStop = (signal: string): void => {
    log(`${signal}: stopping the run in progress, then restoring the settings (press Ctrl-C again to force)`);
    runner.interrupt();
  };
  const signals = handleStopSignals(cleanStop, 5000, () => runner.forceStop());
  let outcome: MatrixOutcome;
  try {
    outcome = await runner.run();
  } finally {
    signals.remove();
  }
  if (outcome.kind === 'refused') throw invalid(outcome.problems);
  if (outcome.kind === 'unreachable') throw new CliError(outcome.message, EXIT_FAILED);

  const { matrix, dir, failure } = outcome;
  const report = buildComparison([readRuns(dir)]);
  process.stdout.write(comparisonOutput(report, json));
  log(`matrix ${matrix.matrixId}: ${matrix.state}; ${matrix.runs.filter((r) => r.state === 'completed').length} of ${matrix.runs.length} runs completed; ${dir}/${MATRIX_FILE}`);
  // A run that refused its options says the configuration is invalid; anything else is a failure.
  if (failure) throw new CliError(failure.message, failure.childExitCode === EXIT_INVALID ? EXIT_INVALID : EXIT_FAILED);
  // A run stopped with no signal here (its own process group got one) ends as after Ctrl-C.
  if (outcome.interrupted) process.exitCode = signals.received ? signalExitCode(signals.received) : EXIT_INTERRUPTED;
}

/**
 * --design switchback: the one run does the switching and says the verdict; a stop signal is passed
 * on to it (it stops, puts the setting back, and the matrix exits 128 + signal after it).
 */
async function runSwitchback(plan: MatrixPlan, json: boolean): Promise<void> {
  const runner = new SwitchbackRunner(plan);
  log(`switchback: one run of ${plan.durationMs / 1000} s, ${plan.switchback} flipped every slot (run --switchback)`);
  const signals = handleStopSignals((signal) => runner.signal(signal), 5000, async () => runner.signal('SIGKILL'));
  let outcome: SwitchbackOutcome;
  try {
    outcome = await runner.run();
  } finally {
    signals.remove();
  }
  const { child, run } = outcome;
  if (json && run) process.stdout.write(JSON.stringify(run, null, 2) + '\n');
  else if (run?.summary?.switchback) process.stdout.write(`${run.summary.switchback.text}\n`);
  if (signals.received) {
    process.exitCode = signalExitCode(signals.received);
    return;
  }
  if (child.code !== 0) throw new CliError(`the switchback run ${run ? `${run.runId} ` : ''}ended with exit ${child.code ?? child.signal}`, child.code === EXIT_INVALID ? EXIT_INVALID : EXIT_FAILED);
}

/** The matrix command's options (the tests parse with it too). */
export function matrixOptions(y: Argv): Argv {
  return (
  y
    .parserConfiguration({ 'populate--': true })
    .options({
      set: { describe: 'a server variable and its values, repeatable: --set innodb_log_file_size=48M,1G', type: 'string', array: true, group: 'Matrix:' },
      repeat: { describe: 'runs per combination', default: 3, type: 'string', group: 'Matrix:' },
      order: {
        describe: 'interleaved (A B A B …), random (shuffled with --seed) or blocks (--repeat blocks of A B B A, compared as paired differences)',
        choices: ['interleaved', 'random', 'blocks'],
        default: 'interleaved',
        group: 'Matrix:',
      },
      aa: { describe: 'an A/A check: the server as it is, as two configurations; must come out "no difference"', type: 'boolean', default: false, group: 'Matrix:' },
      external: { describe: 'a setting outside the server and its values, e.g. io_scheduler=none,mq-deadline (with --apply-cmd, --verify-cmd)', type: 'string', group: 'External setting:' },
      'apply-cmd': { describe: 'shell command that applies the external setting; {value} is replaced by the value', type: 'string', group: 'External setting:' },
      'verify-cmd': { describe: 'shell command that prints the external setting in effect', type: 'string', group: 'External setting:' },
      'restore-cmd': { describe: 'shell command that puts the original back ({value}: the original); default: --apply-cmd', type: 'string', group: 'External setting:' },
      seed: { describe: 'seed of the random order', default: 1, type: 'string', group: 'Matrix:' },
      warmup: { describe: 'a short unrecorded run before each measured run, e.g. 10s', type: 'string', group: 'Matrix:' },
      'via-restart': { describe: 'variables (comma-separated) to apply through the drop-in and a restart although SET GLOBAL could, e.g. innodb_log_file_size', type: 'string', group: 'Matrix:' },
      ...MATRIX_SHARED_OPTIONS,
    })
    .epilog(
      'After --: run <scenario> and its run options, passed to every run; the matrix adds --fresh (where the scenario has it), ' +
        '--results <matrix folder> and --json. Connection and TLS options may stand on either side; the matrix connects with them ' +
        'and runs get the same connection: MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_USER, MYSQL_UNIX_PORT and MYSQL_PWD (never a password ' +
        'argument), --database, --ssl-* and --defaults-file. Each value is verified with SHOW GLOBAL VARIABLES before a run: ' +
        "sizes may differ by less than the variable's block size (rounding), anything else refuses the run. Changed variables " +
        'are restored at the end, also after a failure or Ctrl-C. The drop-in is written atomically, only where no file is or ' +
        'innobench wrote the one there (an earlier one is kept beside it as <file>.innobench-saved and put back), and removed at the end.',
    )
  );
}

export function matrixCommand(yargs: Argv): Argv {
  return yargs.command(
    'matrix',
    'run a scenario under every combination of server settings, repeated and interleaved, then compare: innobench matrix --set innodb_log_file_size=48M,1G --repeat 3 -- run insert-features --workers 100',
    matrixOptions,
    async (argv) => {
      const planned = planMatrix(matrixRequest(argv, passthroughTokens(argv)));
      if (!planned.ok) throw invalid(planned.errors);
      await runMatrix(planned.plan, argv.json === true);
    },
  );
}
