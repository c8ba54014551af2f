/**
 * `innobench matrix --set name=v1,v2 [--set …] --repeat 3 -- run <scenario> <run options>`:
 * every combination of settings × repeat, run in interleaved (A B A B) or seeded random order.
 * Before each run the combination is applied (SET GLOBAL, or a drop-in and a restart for
 * non-dynamic variables when --restart-cmd is given) and verified; the run is a child process
 * (`innobench run … --fresh --json`) writing into the matrix folder; its run.json then gets the
 * settings that were in effect. Every changed variable is restored at the end, also on failure
 * and SIGINT. The matrix folder holds matrix.json and the runs; the comparison closes the output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargsFactory, { type Argv } from 'yargs';
import { SCENARIOS } from '../../scenarios/index.js';
import type { ConnectionOptions } from '../config/connection.js';
import { scrubSecret } from '../config/redact.js';
import { parseDurationMs, parseInteger } from '../config/units.js';
import { undoAll } from '../db/globalsGuard.js';
import { combinations, parseSetOption, runOrder, SettingRefused, SettingsManager, type Combination, type SettingSpec } from './settings.js';
import { MATRIX_FILE, readRuns, type MatrixFile, type StoredRun } from '../results/readRuns.js';
import { RUN_FILE } from '../results/runFolder.js';
import { buildComparison } from '../analysis/compare.js';
import { compareJson, formatCompare } from '../format/compareText.js';
import { CliError, EXIT_FAILED, EXIT_INVALID, invalid, log } from '../cli/exit.js';
import { CONNECTION_OPTIONS, LIBRARY_OPTIONS, RUN_OPTIONS, Validator, connectionFrom, librarySettings, runSettings } from '../cli/options.js';

const MAIN_JS = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const CONNECTION_KEYS = ['host', 'port', 'socket', 'user', 'password', 'database', 'defaults-file'] as const;
/** Options the matrix sets itself for every child. */
const OWNED_BY_MATRIX = ['results', 'sweep'] as const;
export const EXIT_INTERRUPTED = 130;

export interface MatrixPlan {
  specs: SettingSpec[];
  combinations: Combination[];
  order: 'interleaved' | 'random';
  seed: number;
  repeat: number;
  warmupMs: number | undefined;
  restart: { command: string; dropIn: string; timeoutMs: number } | null;
  resultsRoot: string;
  connection: ConnectionOptions;
  scenario: string;
  /** Run options for every child, connection options taken out, --fresh added where the scenario has it. */
  runArgs: string[];
  durationMs: number;
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
      .options({ ...LIBRARY_OPTIONS, ...RUN_OPTIONS, ...(entry.scenario.options as Record<string, object>) })
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
  if (sets.length === 0) errors.push('--set: give at least one, e.g. --set innodb_log_file_size=48M,1G');
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
  if (order !== 'interleaved' && order !== 'random') errors.push(`--order ${order}: interleaved or random`);
  let warmupMs: number | undefined;
  if (argv.warmup !== undefined) {
    const warmup = parseDurationMs('warmup', argv.warmup);
    if (warmup.ok) warmupMs = warmup.value;
    else errors.push(warmup.error);
  }
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
  // Connection options may be given on either side of --; the children get them from the environment.
  const connectionArgs: Record<string, unknown> = {};
  for (const key of CONNECTION_KEYS) {
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
    const hasFresh = 'fresh' in SCENARIOS[scenario]!.scenario.options;
    if (hasFresh) {
      // The comparable starting state: every run empties its feature table first.
      extractOption(rest, 'fresh');
      rest.push('--fresh');
    } else log(`note: ${scenario} has no --fresh option; runs start from whatever the previous run left`);
    durationMs = validateRunArgs(scenario, rest, errors).durationMs;
  }
  if (errors.length > 0) return { ok: false, errors };
  const combos = combinations(specs);
  return {
    ok: true,
    plan: {
      specs,
      combinations: combos,
      order: order as MatrixPlan['order'],
      seed: seed.ok ? seed.value : 1,
      repeat: repeat.ok ? repeat.value : 1,
      warmupMs,
      restart: restartCommand !== undefined && dropIn !== undefined && restartTimeout.ok ? { command: restartCommand, dropIn: resolve(dropIn), timeoutMs: restartTimeout.value } : null,
      resultsRoot: String(argv.results),
      connection,
      scenario,
      runArgs: rest,
      durationMs,
    },
  };
}

/** The children's environment: the connection in MYSQL_* variables (a password never in argv). */
export function childEnv(connection: ConnectionOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MYSQL_')) env[key] = value;
  env.MYSQL_HOST = connection.host;
  env.MYSQL_TCP_PORT = String(connection.port);
  env.MYSQL_USER = connection.user;
  if (connection.socket) env.MYSQL_UNIX_PORT = connection.socket;
  // Set even when empty, so that no option file's password is used instead.
  env.MYSQL_PWD = connection.password ?? '';
  return env;
}

function matrixFolderName(now = new Date()): string {
  return `matrix-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}

function writeJsonAtomic(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(value, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `innobench run …` as a child in its own process group (so one Ctrl-C is forwarded once). */
function runChild(args: string[], env: NodeJS.ProcessEnv, forwardStderr: boolean, onSpawn: (child: ChildProcess) => void): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN_JS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    onSpawn(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (forwardStderr) process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join('\n  ');
}

/** Adds the verified settings to the run's run.json, atomically. */
function recordSettings(runDir: string, settings: NonNullable<StoredRun['settings']>): void {
  const path = join(runDir, RUN_FILE);
  const run = JSON.parse(readFileSync(path, 'utf8')) as StoredRun;
  run.settings = settings;
  writeJsonAtomic(path, run);
}

export async function executeMatrix(plan: MatrixPlan, json: boolean): Promise<void> {
  const settings = new SettingsManager(plan.connection, plan.specs.map((spec) => spec.name), plan.restart, log);
  let problems: string[];
  try {
    problems = await settings.init();
  } catch (error) {
    await settings.close();
    throw new CliError(`cannot read the server's settings: ${(error as Error).message}`, EXIT_FAILED);
  }
  if (problems.length > 0) {
    await settings.close();
    throw invalid(problems);
  }

  const order = runOrder(plan.combinations.length, plan.repeat, plan.order, plan.seed);
  mkdirSync(plan.resultsRoot, { recursive: true });
  let name = matrixFolderName();
  for (let suffix = 2; existsSync(join(plan.resultsRoot, name)); suffix++) name = `${matrixFolderName()}-${suffix}`;
  const dir = join(plan.resultsRoot, name);
  mkdirSync(dir);
  const matrix: MatrixFile = {
    format: 1,
    kind: 'matrix',
    matrixId: name,
    state: 'running',
    startedAt: new Date().toISOString(),
    scenario: plan.scenario,
    settings: plan.specs.map((spec) => ({ name: spec.name, values: spec.values.map((value) => value.text) })),
    order: plan.order,
    repeat: plan.repeat,
    runArgs: plan.runArgs,
    connection: { host: plan.connection.host, port: plan.connection.port, user: plan.connection.user, database: plan.connection.database, ...(plan.connection.socket ? { socket: plan.connection.socket } : {}) },
    combinations: plan.combinations.map((combination) => ({ label: combination.label, settings: combination.settings })),
    runs: order.map((planned, index) => ({
      runId: null,
      label: plan.combinations[planned.combination]!.label,
      combination: plan.combinations[planned.combination]!.settings,
      repeat: planned.repeat,
      position: index + 1,
      state: 'pending',
    })),
    original: { ...settings.original },
    restored: [],
  };
  if (plan.order === 'random') matrix.seed = plan.seed;
  if (plan.warmupMs !== undefined) matrix.warmupMs = plan.warmupMs;
  if (plan.restart) matrix.restart = { command: scrubSecret(plan.restart.command, plan.connection.password), dropIn: plan.restart.dropIn };
  const save = (): void => writeJsonAtomic(join(dir, MATRIX_FILE), matrix);
  save();
  const totalSec = (order.length * (plan.durationMs + (plan.warmupMs ?? 0))) / 1000;
  log(
    `matrix ${name}: ${plan.combinations.length} configuration(s) × ${plan.repeat} repeat(s) = ${order.length} runs, ${plan.order} order, ` +
      `at least ${totalSec.toFixed(0)}s of load; results in ${dir}`,
  );
  log(`original settings: ${Object.entries(settings.original).map(([n, v]) => `${n} = ${v}`).join(', ')}`);

  const env = childEnv(plan.connection);
  const databaseArgs = ['--database', plan.connection.database];
  let interrupted = false;
  let current: ChildProcess | null = null;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    interrupted = true;
    if (signals === 1) {
      log(`${signal}: stopping the run in progress, then restoring the settings (press Ctrl-C again to force)`);
      current?.kill('SIGINT');
    } else {
      log(`second ${signal}: killing the run, restoring the settings, exiting`);
      current?.kill('SIGKILL');
      matrix.state = 'interrupted';
      void undoAll(5000, log).finally(() => {
        matrix.endedAt = new Date().toISOString();
        matrix.restored = settings.restored;
        try {
          save();
        } finally {
          process.exit(EXIT_INTERRUPTED);
        }
      });
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let failure: CliError | null = null;
  try {
    for (const record of matrix.runs) {
      if (interrupted) break;
      const combination = plan.combinations.find((c) => c.label === record.label)!;
      log(`--- run ${record.position}/${matrix.runs.length}: ${record.label} (repeat ${record.repeat})`);
      try {
        record.applied = await settings.apply(combination);
      } catch (error) {
        record.state = 'refused';
        record.error = (error as Error).message;
        save();
        failure = error instanceof SettingRefused ? new CliError(error.message, EXIT_FAILED) : new CliError(`applying ${record.label} failed: ${(error as Error).message}`, EXIT_FAILED);
        break;
      }
      log(`verified: ${record.applied.map((a) => `${a.name} = ${a.inEffect} (${a.method}; ${a.match})`).join(', ')}`);
      const verifiedAt = new Date().toISOString();
      if (interrupted) break;

      if (plan.warmupMs !== undefined) {
        const scratch = mkdtempSync(join(tmpdir(), 'innobench-warmup-'));
        const warmupArgs = [...plan.runArgs];
        extractOption(warmupArgs, 'duration');
        log(`warmup: ${plan.warmupMs / 1000}s, not recorded`);
        const warm = await runChild(['run', plan.scenario, ...warmupArgs, '--duration', `${plan.warmupMs}ms`, '--results', scratch, ...databaseArgs], env, false, (child) => (current = child));
        current = null;
        rmSync(scratch, { recursive: true, force: true });
        if (interrupted) break;
        if (warm.code !== 0) {
          record.state = 'failed';
          record.error = `warmup failed: ${lastLines(warm.stderr)}`;
          save();
          failure = new CliError(`the warmup run failed (exit ${warm.code ?? warm.signal}):\n  ${lastLines(warm.stderr)}`, EXIT_FAILED);
          break;
        }
      }

      record.state = 'running';
      save();
      const before = new Set(readdirSync(dir));
      const result = await runChild(['run', plan.scenario, ...plan.runArgs, '--results', dir, '--json', ...databaseArgs], env, true, (child) => (current = child));
      current = null;
      record.exitCode = result.code;
      let run: StoredRun | null = null;
      try {
        run = JSON.parse(result.stdout) as StoredRun;
      } catch {
        const created = readdirSync(dir).filter((entry) => !before.has(entry) && existsSync(join(dir, entry, RUN_FILE)));
        if (created.length === 1) {
          try {
            run = JSON.parse(readFileSync(join(dir, created[0]!, RUN_FILE), 'utf8')) as StoredRun;
          } catch {
            run = null;
          }
        }
      }
      if (run !== null) {
        record.runId = run.runId;
        recordSettings(join(dir, run.runId), {
          matrixId: name,
          label: record.label,
          combination: record.combination,
          repeat: record.repeat,
          applied: record.applied,
          verifiedAt,
        });
      }
      if (interrupted && run?.state !== 'completed') {
        // Stopped by the user: a run cut short (or killed before it could catch the signal) is not a failure.
        record.state = 'interrupted';
        if (result.code !== 0) record.error = `stopped (exit ${result.code ?? result.signal})`;
        save();
        break;
      }
      record.state = run?.state === 'running' || run === null ? 'failed' : run.state;
      if (record.state === 'failed') {
        record.error = run?.error ?? `exit ${result.code ?? result.signal}: ${lastLines(result.stderr)}`;
        save();
        failure = new CliError(`run ${record.position} (${record.label}) failed: ${record.error}`, result.code === EXIT_INVALID ? EXIT_INVALID : EXIT_FAILED);
        break;
      }
      save();
      if (record.state === 'interrupted') interrupted = true;
    }
  } finally {
    log('restoring the server settings');
    matrix.restored = await settings.restore();
    await settings.close();
    matrix.state = interrupted ? 'interrupted' : failure ? 'failed' : 'completed';
    if (failure) matrix.error = failure.message;
    matrix.endedAt = new Date().toISOString();
    save();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const report = buildComparison([readRuns(dir)]);
  process.stdout.write(json ? compareJson(report) + '\n' : formatCompare(report));
  log(`matrix ${name}: ${matrix.state}; ${matrix.runs.filter((r) => r.state === 'completed').length} of ${matrix.runs.length} runs completed; ${join(dir, MATRIX_FILE)}`);
  if (failure) throw failure;
  if (interrupted) process.exitCode = EXIT_INTERRUPTED;
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
          order: { describe: 'interleaved (A B A B …) or random (shuffled with --seed)', choices: ['interleaved', 'random'], default: 'interleaved', group: 'Matrix:' },
          seed: { describe: 'seed of the random order', default: 1, type: 'string', group: 'Matrix:' },
          warmup: { describe: 'a short unrecorded run before each measured run, e.g. 10s', type: 'string', group: 'Matrix:' },
          'restart-cmd': { describe: 'shell command that restarts the server, for variables SET GLOBAL cannot change', type: 'string', group: 'Matrix:' },
          'drop-in': { describe: 'option file the server reads at start, written with those variables (required with --restart-cmd)', type: 'string', group: 'Matrix:' },
          'restart-timeout': { describe: 'how long the restart command and the server coming back may take', default: '120s', type: 'string', group: 'Matrix:' },
          results: { describe: 'folder that receives matrix-<timestamp>/', default: 'results', type: 'string', group: 'Output:' },
          json: { describe: 'print the closing comparison as JSON', default: false, type: 'boolean', group: 'Output:' },
          ...CONNECTION_OPTIONS,
        })
        .epilog(
          'After --: run <scenario> and its run options, passed to every run; the matrix adds --fresh (where the scenario has it), ' +
            '--results <matrix folder> and --json. Connection options may stand on either side; runs get them through MYSQL_HOST, ' +
            'MYSQL_TCP_PORT, MYSQL_USER, MYSQL_PWD and --database. Each value is verified with SHOW GLOBAL VARIABLES before a run: ' +
            "sizes may differ by less than the variable's block size (rounding), anything else refuses the run. Changed variables " +
            'are restored at the end, also after a failure or Ctrl-C.',
        ),
    async (argv) => {
      const planned = planMatrix(argv, passthroughTokens(argv));
      if (!planned.ok) throw invalid(planned.errors);
      await executeMatrix(planned.plan, argv.json === true);
    },
  );
}
