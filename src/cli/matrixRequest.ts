/**
 * The part `matrix` and `experiment` share: the options both declare (once, here), and the one
 * check that turns a MatrixRequest (experiment/matrixRequest.ts) into a plan, every error at once:
 * the matrix's own options, the connection (given on either side of `--`), and the run options
 * after `--`, checked by `innobench run`'s own option builder so that a typo fails before any
 * setting changes.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import yargsFactory, { type Options } from 'yargs';
import { SCENARIOS } from '../../scenarios/index.js';
import type { ConnectionOptions } from '../config/connection.js';
import { parseScenarioOptions } from '../engine/scenario.js';
import { restartFrom, scheduleFrom, settingsDesign, switchbackFrom, type MatrixRequest } from '../experiment/matrixRequest.js';
import type { MatrixPlan } from '../experiment/matrixPlan.js';
import { extractOption, hasOption } from '../experiment/runArgs.js';
import { log } from './exit.js';
import { CONNECTION_OPTIONS, Validator, connectionFrom, librarySettings, runSettings } from './options.js';
import { runOptions } from './run.js';

const CLI_ENTRY = fileURLToPath(new URL('./main.js', import.meta.url));
/** Options the matrix sets itself for every child. */
const OWNED_BY_MATRIX = ['results', 'sweep'] as const;

/** Declared by both `matrix` and `experiment`; an experiment's preset gives --settle its default. */
export const MATRIX_SHARED_OPTIONS: Record<string, Options> = {
  design: {
    describe: 'runs: a run per configuration, in --order; switchback: one continuous run with the setting flipped every --slot (a run option after --) in randomised A B B A blocks, for one dynamic setting and two values (experiment: default the preset\'s)',
    choices: ['runs', 'switchback'],
    type: 'string',
    group: 'Matrix:',
  },
  settle: { describe: "idle pause after a configuration is verified, before its run, e.g. 10s (experiment: default the preset's)", type: 'string', group: 'Matrix:' },
  'target-effect': { describe: 'with --order blocks: add blocks until every paired 95 % interval is this narrow (half-width), e.g. 5%', type: 'string', group: 'Matrix:' },
  budget: { describe: 'with --target-effect: the most load (measured run time) to spend, e.g. 10m', type: 'string', group: 'Matrix:' },
  'restart-cmd': { describe: 'shell command that restarts the server, for variables SET GLOBAL cannot change (shown with passwords masked)', type: 'string', group: 'Matrix:' },
  'drop-in': {
    describe: 'option file the server reads at start, written with those variables (required with --restart-cmd); never a file innobench did not create',
    type: 'string',
    group: 'Matrix:',
  },
  'restart-timeout': { describe: 'how long the restart command and the server coming back may take', default: '120s', type: 'string', group: 'Matrix:' },
  results: { describe: 'folder that receives matrix-<timestamp>/', default: 'results', type: 'string', group: 'Output:' },
  json: { describe: 'print the closing comparison (and an experiment its verdicts) as JSON', default: false, type: 'boolean', group: 'Output:' },
  ...CONNECTION_OPTIONS,
};

type Argv = Record<string, unknown>;

/** An option as given, or undefined when it was not. */
export function text(value: unknown): string | undefined {
  return value === undefined ? undefined : String(value);
}

/** The words after `--`: raw from process.argv when they are there (yargs turns "007" into 7). */
export function passthroughTokens(argv: Argv): string[] {
  const parsed = ((argv['--'] as unknown[] | undefined) ?? []).map(String);
  const at = process.argv.indexOf('--');
  if (at >= 0) {
    const raw = process.argv.slice(at + 1);
    if (raw.length === parsed.length) return raw;
  }
  return parsed;
}

/** The request's fields that come from MATRIX_SHARED_OPTIONS, as both commands read them. */
export function sharedRequest(argv: Argv): Pick<MatrixRequest, 'design' | 'settle' | 'targetEffect' | 'budget' | 'restartCmd' | 'dropIn' | 'restartTimeout' | 'results' | 'connection'> {
  const connection: Record<string, string> = {};
  for (const key of Object.keys(CONNECTION_OPTIONS)) if (argv[key] !== undefined) connection[key] = String(argv[key]);
  return {
    design: text(argv.design) ?? 'runs',
    settle: text(argv.settle),
    targetEffect: text(argv['target-effect']),
    budget: text(argv.budget),
    restartCmd: text(argv['restart-cmd']),
    dropIn: text(argv['drop-in']),
    restartTimeout: String(argv['restart-timeout']),
    results: String(argv.results),
    connection,
  };
}

/** After `--`: the scenario, and the run options with connection options taken out and --fresh in. */
interface RunPart {
  scenario: string;
  runArgs: string[];
  connection: ConnectionOptions;
  defaultsFile: string | undefined;
}

/**
 * Connection and TLS options may be given on either side of --: the matrix connects with them,
 * and hands them to each run itself (experiment/childRun.ts), the password never as an argument.
 */
function runPart(request: MatrixRequest, errors: string[]): RunPart {
  const rest = [...request.run];
  let scenario = '';
  if (rest[0] !== 'run') errors.push(`after --: expected "run <scenario> <run options>", found ${rest.length ? `"${rest.slice(0, 2).join(' ')}"` : 'nothing'}`);
  else {
    scenario = rest[1] ?? '';
    if (!SCENARIOS[scenario]) errors.push(`after -- run: unknown scenario "${scenario}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
    rest.splice(0, 2);
  }
  const given: Record<string, string> = {};
  for (const key of Object.keys(CONNECTION_OPTIONS)) {
    const inRun = extractOption(rest, key);
    const mine = request.connection[key];
    if (inRun !== undefined && mine !== undefined && inRun !== mine) errors.push(`--${key} is given both before and after -- with different values`);
    const value = mine ?? inRun;
    if (value !== undefined) given[key] = value;
  }
  for (const key of OWNED_BY_MATRIX) if (hasOption(rest, key)) errors.push(`--${key} after --: the matrix sets it (give --results before --)`);
  extractOption(rest, 'json');
  const v = new Validator();
  const connection = connectionFrom(given, v);
  errors.push(...v.errors);
  const defaultsFile = given['defaults-file'];
  return { scenario, runArgs: withFresh(scenario, rest), connection, defaultsFile: defaultsFile === undefined ? undefined : resolve(defaultsFile) };
}

/** The comparable starting state: every run empties its feature table first, where the scenario can. */
function withFresh(scenario: string, args: string[]): string[] {
  const entry = SCENARIOS[scenario];
  if (!entry) return args;
  if ('fresh' in entry.options) return [...args.filter((arg) => arg !== '--fresh' && arg !== '--no-fresh' && !arg.startsWith('--fresh=')), '--fresh'];
  log(`note: ${scenario} has no --fresh option; runs start from whatever the previous run left`);
  return args;
}

/** Checks the run options with run's own option builder (strict: a stray word is an unknown argument); returns the run's duration. */
function checkRunArgs(scenario: string, args: readonly string[], errors: string[]): number {
  let parsed: Argv;
  try {
    parsed = yargsFactory(['run', scenario, ...args])
      .command('run [scenario]', false, runOptions)
      .strict()
      .help(false)
      .version(false)
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new Error(message);
      })
      .parseSync() as Argv;
  } catch (error) {
    errors.push(`run options: ${(error as Error).message}`);
    return 0;
  }
  const v = new Validator();
  librarySettings(parsed, v);
  const settings = runSettings(parsed, v);
  parseScenarioOptions(SCENARIOS[scenario]!, parsed, v.errors);
  errors.push(...v.errors.map((error) => `run options: ${error}`));
  return settings.durationMs;
}

/** The one run of a switchback design: the flip, and 1 s intervals unless the user chose (slots are whole intervals). */
function switchbackArgs(args: readonly string[], setting: string): string[] {
  return [...args, '--switchback', setting, ...(hasOption([...args], 'interval') ? [] : ['--interval', '1s'])];
}

/** Checks every part of the request, all errors at once (exit 2 for the caller), and plans the matrix. */
export function planMatrix(request: MatrixRequest): { ok: true; plan: MatrixPlan } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const design = settingsDesign(request, errors);
  const switchback = switchbackFrom(request, design, errors);
  const schedule = scheduleFrom(request, errors);
  const run = runPart(request, errors);
  const restart = restartFrom(request, run.connection.password, errors);
  if (switchback !== null) run.runArgs = switchbackArgs(run.runArgs, switchback);
  const durationMs = SCENARIOS[run.scenario] ? checkRunArgs(run.scenario, run.runArgs, errors) : 0;
  if (errors.length > 0) return { ok: false, errors };
  const warmupArgs = [...run.runArgs];
  extractOption(warmupArgs, 'duration');
  if (schedule.warmupMs !== undefined) warmupArgs.push('--duration', `${schedule.warmupMs}ms`);
  return {
    ok: true,
    plan: { ...design, ...schedule, ...run, restart, resultsRoot: request.results, warmupArgs, durationMs, cliEntry: CLI_ENTRY, switchback },
  };
}
