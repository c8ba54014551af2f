/**
 * `innobench matrix --set name=v1,v2 [--set …] --repeat 3 -- run <scenario> <run options>`: the
 * command. It checks every option (the run options after `--` the way `innobench run` will), turns
 * them into a plan, hands the plan to the experiment (experiment/matrix.ts), forwards Ctrl-C to it,
 * prints the closing comparison and maps the outcome to an exit code.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargsFactory, { type Argv } from 'yargs';
import { SCENARIOS } from '../../scenarios/index.js';
import { maskCommand } from '../config/redact.js';
import { parseDurationMs, parseInteger } from '../config/units.js';
import { combinations, parseSetOption, type SettingSpec } from '../experiment/settingSpec.js';
import { MatrixRunner, type MatrixOutcome } from '../experiment/matrix.js';
import type { ExternalCommands } from '../experiment/externalSetting.js';
import type { MatrixPlan } from '../experiment/matrixPlan.js';
import { MATRIX_FILE, readRuns } from '../results/readRuns.js';
import { buildComparison } from '../analysis/verdicts/compare.js';
import { comparisonOutput } from '../format/verdictText.js';
import { CliError, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, invalid, log } from './exit.js';
import { CONNECTION_OPTIONS, LIBRARY_OPTIONS, RUN_OPTIONS, Validator, connectionFrom, librarySettings, runSettings } from './options.js';

const CLI_ENTRY = fileURLToPath(new URL('./main.js', import.meta.url));
/** Options the matrix sets itself for every child. */
const OWNED_BY_MATRIX = ['results', 'sweep'] as const;

function restartCommandGiven(argv: Record<string, unknown>): boolean {
  return typeof argv['restart-cmd'] === 'string' && typeof argv['drop-in'] === 'string';
}

/** An A/A check: the server as it is, twice under two names; nothing is changed. */
const AA_COMBINATIONS = [
  { label: 'A', values: {}, settings: {} },
  { label: "A'", values: {}, settings: {} },
];

/** --external name=v1,v2 with --apply-cmd and --verify-cmd (and optionally --restore-cmd). */
function externalCommands(argv: Record<string, unknown>, text: string | undefined, errors: string[]): ExternalCommands | null {
  const apply = typeof argv['apply-cmd'] === 'string' ? argv['apply-cmd'] : undefined;
  const verify = typeof argv['verify-cmd'] === 'string' ? argv['verify-cmd'] : undefined;
  const restore = typeof argv['restore-cmd'] === 'string' ? argv['restore-cmd'] : null;
  if (text === undefined) {
    if (apply !== undefined || verify !== undefined || restore !== null) errors.push('--apply-cmd, --verify-cmd and --restore-cmd belong to --external name=v1,v2');
    return null;
  }
  const parsed = parseSetOption(text);
  if (!parsed.ok) return null;
  if (apply === undefined || verify === undefined) {
    errors.push('--external needs --apply-cmd "… {value} …" and --verify-cmd "…" (prints the value in effect)');
    return null;
  }
  if (!apply.includes('{value}')) errors.push('--apply-cmd: write {value} where the value goes');
  return { name: parsed.value.name, apply, verify, restore };
}

/** Takes `--name value` / `--name=value` out of `tokens`; returns the last value given. */
export function extractOption(tokens: string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i]!;
    if (token === `--${name}`) {
      value = tokens[i + 1];
      tokens.splice(i, i + 1 < tokens.length ? 2 : 1);
    } else if (token.startsWith(`--${name}=`)) {
      value = token.slice(name.length + 3);
      tokens.splice(i, 1);
    } else i++;
  }
  return value;
}

function hasOption(tokens: readonly string[], name: string): boolean {
  return tokens.some((token) => token === `--${name}` || token.startsWith(`--${name}=`) || token === `--no-${name}`);
}

/** The words after `--`: raw from process.argv when they are there (yargs turns "007" into 7). */
function passthroughTokens(argv: Record<string, unknown>): string[] {
  const parsed = ((argv['--'] as unknown[] | undefined) ?? []).map(String);
  const at = process.argv.indexOf('--');
  if (at >= 0) {
    const raw = process.argv.slice(at + 1);
    if (raw.length === parsed.length) return raw;
  }
  return parsed;
}

/** Checks the run options the way `innobench run` will, so a typo fails before any setting changes. */
function validateRunArgs(scenario: string, args: readonly string[], errors: string[]): { durationMs: number } {
  const entry = SCENARIOS[scenario]!;
  let parsed: Record<string, unknown> = {};
  try {
    parsed = yargsFactory([...args])
      .options({ ...LIBRARY_OPTIONS, ...RUN_OPTIONS, ...(entry.options as Record<string, object>) })
      .strict()
      .help(false)
      .version(false)
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new Error(message);
      })
      .parseSync() as Record<string, unknown>;
  } catch (error) {
    errors.push(`run options: ${(error as Error).message}`);
    return { durationMs: 0 };
  }
  const positional = (parsed._ as unknown[] | undefined) ?? [];
  if (positional.length > 0) errors.push(`run options: unexpected argument(s) ${positional.join(' ')}`);
  const v = new Validator();
  librarySettings(parsed, v);
  const settings = runSettings(parsed, v);
  errors.push(...v.errors.map((error) => `run options: ${error}`));
  return { durationMs: settings.durationMs };
}

/** Parses and checks every matrix option and the run options after `--`; every error at once. */
export function planMatrix(argv: Record<string, unknown>, tokens: readonly string[]): { ok: true; plan: MatrixPlan } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const specs: SettingSpec[] = [];
  const sets = argv.set === undefined ? [] : (Array.isArray(argv.set) ? argv.set : [argv.set]).map(String);
  const aa = argv.aa === true;
  const externalText = typeof argv.external === 'string' ? argv.external : undefined;
  if (aa && (sets.length > 0 || externalText !== undefined)) errors.push('--aa compares the server with itself: give no --set or --external with it');
  if (!aa && sets.length === 0 && externalText === undefined) errors.push('--set: give at least one, e.g. --set innodb_log_file_size=48M,1G (or --aa for an A/A check)');
  if (externalText !== undefined) sets.push(externalText);
  for (const text of sets) {
    const parsed = parseSetOption(text);
    if (!parsed.ok) errors.push(parsed.error);
    else if (specs.some((spec) => spec.name === parsed.value.name)) errors.push(`--set ${parsed.value.name} is given twice: list its values in one --set`);
    else specs.push(parsed.value);
  }
  const repeat = parseInteger('repeat', argv.repeat, 1, 1000);
  if (!repeat.ok) errors.push(repeat.error);
  const seed = parseInteger('seed', argv.seed, 0, 2 ** 31 - 1);
  if (!seed.ok) errors.push(seed.error);
  const order = String(argv.order);
  if (order !== 'interleaved' && order !== 'random' && order !== 'blocks') errors.push(`--order ${order}: interleaved, random or blocks`);
  let warmupMs: number | undefined;
  if (argv.warmup !== undefined) {
    const warmup = parseDurationMs('warmup', argv.warmup);
    if (warmup.ok) warmupMs = warmup.value;
    else errors.push(warmup.error);
  }
  let settleMs = 0;
  if (argv.settle !== undefined) {
    const settle = parseDurationMs('settle', argv.settle);
    if (settle.ok) settleMs = settle.value;
    else errors.push(settle.error);
  }
  let targetEffectPct: number | null = null;
  if (argv['target-effect'] !== undefined) {
    const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(String(argv['target-effect']));
    if (!match || !(Number(match[1]) > 0)) errors.push(`--target-effect ${String(argv['target-effect'])}: a half-width in percent, e.g. 5%`);
    else targetEffectPct = Number(match[1]);
    if (order !== 'blocks') errors.push('--target-effect adds A B B A blocks: use it with --order blocks');
  }
  let budgetMs: number | null = null;
  if (argv.budget !== undefined) {
    const budget = parseDurationMs('budget', argv.budget);
    if (budget.ok) budgetMs = budget.value;
    else errors.push(budget.error);
    if (targetEffectPct === null) errors.push('--budget bounds --target-effect: give both');
  }
  const external = externalCommands(argv, externalText, errors);
  const viaRestart = (argv['via-restart'] === undefined ? [] : String(argv['via-restart']).split(',')).map((name) => name.trim().replace(/-/g, '_').toLowerCase()).filter(Boolean);
  for (const name of viaRestart) if (!specs.some((spec) => spec.name === name)) errors.push(`--via-restart ${name}: not among the --set variables`);
  if (viaRestart.length > 0 && restartCommandGiven(argv) === false) errors.push('--via-restart needs --restart-cmd and --drop-in');
  const restartTimeout = parseDurationMs('restart-timeout', argv['restart-timeout']);
  if (!restartTimeout.ok) errors.push(restartTimeout.error);
  const restartCommand = typeof argv['restart-cmd'] === 'string' ? argv['restart-cmd'] : undefined;
  const dropIn = typeof argv['drop-in'] === 'string' ? argv['drop-in'] : undefined;
  if (restartCommand !== undefined && dropIn === undefined) errors.push('--restart-cmd needs --drop-in FILE: the option file the server reads at start, where the settings are written');
  if (dropIn !== undefined && restartCommand === undefined) errors.push('--drop-in is only used with --restart-cmd');

  // After `--`: run <scenario> <run options>.
  const rest = [...tokens];
  let scenario = '';
  if (rest[0] !== 'run') errors.push(`after --: expected "run <scenario> <run options>", found ${rest.length ? `"${rest.slice(0, 2).join(' ')}"` : 'nothing'}`);
  else {
    scenario = rest[1] ?? '';
    if (!SCENARIOS[scenario]) errors.push(`after -- run: unknown scenario "${scenario}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
    rest.splice(0, 2);
  }
  // Connection and TLS options may be given on either side of --: the matrix connects with them,
  // and hands them to each run itself (experiment/childRun.ts), the password never as an argument.
  const connectionArgs: Record<string, unknown> = {};
  for (const key of Object.keys(CONNECTION_OPTIONS)) {
    const inRun = extractOption(rest, key);
    const mine = argv[key] === undefined ? undefined : String(argv[key]);
    if (inRun !== undefined && mine !== undefined && inRun !== mine) errors.push(`--${key} is given both before and after -- with different values`);
    const value = mine ?? inRun;
    if (value !== undefined) connectionArgs[key] = value;
  }
  for (const key of OWNED_BY_MATRIX) {
    if (hasOption(rest, key)) errors.push(`--${key} after --: the matrix sets it (give --results before --)`);
  }
  extractOption(rest, 'json');
  const v = new Validator();
  const connection = connectionFrom(connectionArgs, v);
  errors.push(...v.errors);
  let durationMs = 0;
  if (SCENARIOS[scenario]) {
    const hasFresh = 'fresh' in SCENARIOS[scenario]!.options;
    if (hasFresh) {
      // The comparable starting state: every run empties its feature table first.
      extractOption(rest, 'fresh');
      rest.push('--fresh');
    } else log(`note: ${scenario} has no --fresh option; runs start from whatever the previous run left`);
    durationMs = validateRunArgs(scenario, rest, errors).durationMs;
  }
  if (errors.length > 0) return { ok: false, errors };
  const warmupArgs = [...rest];
  extractOption(warmupArgs, 'duration');
  if (warmupMs !== undefined) warmupArgs.push('--duration', `${warmupMs}ms`);
  const defaultsFile = connectionArgs['defaults-file'];
  return {
    ok: true,
    plan: {
      specs,
      combinations: aa ? AA_COMBINATIONS : combinations(specs),
      order: order as MatrixPlan['order'],
      settleMs,
      aa,
      targetEffectPct,
      budgetMs,
      external,
      viaRestart,
      seed: seed.ok ? seed.value : 1,
      repeat: repeat.ok ? repeat.value : 1,
      warmupMs,
      restart:
        restartCommand !== undefined && dropIn !== undefined && restartTimeout.ok
          ? { command: restartCommand, shownCommand: maskCommand(restartCommand, [connection.password]), dropIn: resolve(dropIn), timeoutMs: restartTimeout.value }
          : null,
      resultsRoot: String(argv.results),
      connection,
      defaultsFile: typeof defaultsFile === 'string' ? resolve(defaultsFile) : undefined,
      scenario,
      runArgs: rest,
      warmupArgs,
      durationMs,
      cliEntry: CLI_ENTRY,
    },
  };
}

/** Runs the plan with Ctrl-C forwarded: the first stops the run in progress, a second forces the exit. */
export async function runMatrix(plan: MatrixPlan, json: boolean): Promise<void> {
  const runner = new MatrixRunner(plan, log);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      log(`${signal}: stopping the run in progress, then restoring the settings (press Ctrl-C again to force)`);
      runner.interrupt();
    } else {
      log(`second ${signal}: killing the run, restoring the settings, exiting`);
      void runner.forceStop().finally(() => process.exit(EXIT_INTERRUPTED));
    }
  };
  const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of stopSignals) process.on(signal, onSignal);
  let outcome: MatrixOutcome;
  try {
    outcome = await runner.run();
  } finally {
    for (const signal of stopSignals) process.off(signal, onSignal);
  }
  if (outcome.kind === 'refused') throw invalid(outcome.problems);
  if (outcome.kind === 'unreachable') throw new CliError(outcome.message, EXIT_FAILED);

  const { matrix, dir, failure } = outcome;
  const report = buildComparison([readRuns(dir)]);
  process.stdout.write(comparisonOutput(report, json));
  log(`matrix ${matrix.matrixId}: ${matrix.state}; ${matrix.runs.filter((r) => r.state === 'completed').length} of ${matrix.runs.length} runs completed; ${dir}/${MATRIX_FILE}`);
  // A run that refused its options says the configuration is invalid; anything else is a failure.
  if (failure) throw new CliError(failure.message, failure.childExitCode === EXIT_INVALID ? EXIT_INVALID : EXIT_FAILED);
  if (outcome.interrupted) process.exitCode = EXIT_INTERRUPTED;
}

export function matrixCommand(yargs: Argv): Argv {
  return yargs.command(
    'matrix',
    'run a scenario under every combination of server settings, repeated and interleaved, then compare: innobench matrix --set innodb_log_file_size=48M,1G --repeat 3 -- run insert-features --workers 100',
    (y) =>
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
          settle: { describe: 'idle pause after a configuration is verified, before its run, e.g. 10s', type: 'string', group: 'Matrix:' },
          'target-effect': { describe: 'with --order blocks: add blocks until every paired 95 % interval is this narrow (half-width), e.g. 5%', type: 'string', group: 'Matrix:' },
          budget: { describe: 'with --target-effect: the most load (measured run time) to spend, e.g. 10m', type: 'string', group: 'Matrix:' },
          external: { describe: 'a setting outside the server and its values, e.g. io_scheduler=none,mq-deadline (with --apply-cmd, --verify-cmd)', type: 'string', group: 'External setting:' },
          'apply-cmd': { describe: 'shell command that applies the external setting; {value} is replaced by the value', type: 'string', group: 'External setting:' },
          'verify-cmd': { describe: 'shell command that prints the external setting in effect', type: 'string', group: 'External setting:' },
          'restore-cmd': { describe: 'shell command that puts the original back ({value}: the original); default: --apply-cmd', type: 'string', group: 'External setting:' },
          seed: { describe: 'seed of the random order', default: 1, type: 'string', group: 'Matrix:' },
          warmup: { describe: 'a short unrecorded run before each measured run, e.g. 10s', type: 'string', group: 'Matrix:' },
          'via-restart': { describe: 'variables (comma-separated) to apply through the drop-in and a restart although SET GLOBAL could, e.g. innodb_log_file_size', type: 'string', group: 'Matrix:' },
          'restart-cmd': { describe: 'shell command that restarts the server, for variables SET GLOBAL cannot change (shown with passwords masked)', type: 'string', group: 'Matrix:' },
          'drop-in': {
            describe: 'option file the server reads at start, written with those variables (required with --restart-cmd); never a file innobench did not create',
            type: 'string',
            group: 'Matrix:',
          },
          'restart-timeout': { describe: 'how long the restart command and the server coming back may take', default: '120s', type: 'string', group: 'Matrix:' },
          results: { describe: 'folder that receives matrix-<timestamp>/', default: 'results', type: 'string', group: 'Output:' },
          json: { describe: 'print the closing comparison as JSON', default: false, type: 'boolean', group: 'Output:' },
          ...CONNECTION_OPTIONS,
        })
        .epilog(
          'After --: run <scenario> and its run options, passed to every run; the matrix adds --fresh (where the scenario has it), ' +
            '--results <matrix folder> and --json. Connection and TLS options may stand on either side; the matrix connects with them ' +
            'and runs get the same connection: MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_USER, MYSQL_UNIX_PORT and MYSQL_PWD (never a password ' +
            'argument), --database, --ssl-* and --defaults-file. Each value is verified with SHOW GLOBAL VARIABLES before a run: ' +
            "sizes may differ by less than the variable's block size (rounding), anything else refuses the run. Changed variables " +
            'are restored at the end, also after a failure or Ctrl-C. The drop-in is written atomically, only where no file is or ' +
            'innobench wrote the one there (an earlier one is kept beside it as <file>.innobench-saved and put back), and removed at the end.',
        ),
    async (argv) => {
      const planned = planMatrix(argv, passthroughTokens(argv));
      if (!planned.ok) throw invalid(planned.errors);
      await runMatrix(planned.plan, argv.json === true);
    },
  );
}
