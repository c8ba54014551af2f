/**
 * `innobench run <scenario>`: apply load, report each interval, write results, summarise.
 * `--sweep option=v1,v2,…` runs once per value, one after the other, and ends with a table.
 */
import type { Argv } from 'yargs';
import { runBenchmark } from '../engine/orchestrator.js';
import { restoreEveryJournal, serverJournal } from '../serverState/journal.js';
import { warnAboutLeftovers } from '../serverState/leftovers.js';
import { connectControl } from '../db/connect.js';
import { handleStopSignals, signalExitCode } from './signals.js';
import type { ConnectionOptions } from '../config/connection.js';
import type { RunFile } from '../results/types.js';
import { parseScenarioOptions, type DataSettings, type Scenario } from '../engine/scenario.js';
import { SCENARIO_POSITIONAL, chosenScenario, declaredScenarios, scriptErrorsAsInvalid } from './scenarioArg.js';
import { featuresFor } from './prepare.js';
import { CONNECTION_OPTIONS, LIBRARY_OPTIONS, RUN_OPTIONS, Validator, connectionFrom, librarySettings, runSettings, type LibrarySettings, type RunSettings } from './options.js';
import { CliError, EXIT_FAILED, EXIT_INVALID, invalid, log } from './exit.js';
import { SettingSwitcher } from '../engine/settingSwitcher.js';
import { sweepTable } from '../format/sweepTable.js';
import { VERSION } from './version.js';
import type { RunHook } from '../engine/runHooks.js';
import { deadlockCaptureHook } from '../hooks/deadlockCapture.js';
import { slowLogHook } from '../hooks/slowLog.js';
import { stageProfileHook } from '../hooks/stageProfile/hook.js';
import { statusCaptureHook } from '../hooks/statusCapture.js';
import { preRunDoctor } from '../procedures/doctor/preRun.js';
import { LiveSession } from '../outputs/live/liveSession.js';
import { ConsoleOutput } from '../outputs/consoleOutput.js';
import type { Output } from '../outputs/output.js';
import { createOutputs } from '../outputs/registry.js';
import { createHash } from 'node:crypto';
import { Rendezvous } from '../engine/rendezvous.js';

type RawArgs = Record<string, unknown>;

/** Everything one run was told, parsed once from its command line. */
interface RunConfig {
  connection: ConnectionOptions;
  library: LibrarySettings;
  settings: RunSettings;
  /** The scenario's own options, parsed by its definition. */
  options: Record<string, unknown>;
}

/** run's command line; the matrix checks the run options after its `--` with this builder too. */
export function runOptions(y: Argv): Argv {
  const scenarioOptions = Object.assign({}, ...declaredScenarios().map((scenario) => groupOptions(scenario.name, scenario.options)));
  return y.positional('scenario', SCENARIO_POSITIONAL).options({
    ...CONNECTION_OPTIONS,
    ...LIBRARY_OPTIONS,
    ...RUN_OPTIONS,
    sweep: { describe: 'run once per value of an option, e.g. workers=1,10,50,100 or strategy=delete-insert,read-committed', type: 'string', group: 'Load:' },
    ...scenarioOptions,
  });
}

export function runCommand(yargs: Argv): Argv {
  return yargs.command(
    'run [scenario]',
    'run a scenario (a built-in, your module, or your --script) against the server and record the results',
    runOptions,
    async (argv) => {
      const scenario = chosenScenario(argv);
      const sweep = argv.sweep === undefined ? null : parseSweep(String(argv.sweep), scenario);
      const variants = sweep ? sweep.values.map((value) => ({ ...argv, [sweep.option]: value })) : [argv];
      // Parse every variant before the first one starts: no half-done sweep over a typo.
      const parsed = variants.map((variant) => parseRun(variant, scenario));
      const errors = [...new Set(parsed.flatMap(({ errors }) => errors))];
      if (sweep?.error) errors.unshift(sweep.error);
      if (errors.length) throw invalid(errors);

      const runs: RunFile[] = [];
      // One stop for the whole sweep: a signal ends the run in progress and the runs after it.
      const stop = new AbortController();
      const signals = handleStopSignals((signal) => {
        log(`${signal}: stopping after the operations in flight (send it again to force)`);
        stop.abort();
      });
      try {
        for (const [index, { config }] of parsed.entries()) {
          if (stop.signal.aborted) break;
          if (sweep) log(`--- sweep ${sweep.option}=${sweep.values[index]!}`);
          const run = await runOnce(config, scenario, stop.signal).catch(scriptErrorsAsInvalid);
          runs.push(run);
          if (run.state === 'interrupted') break;
        }
      } finally {
        signals.remove();
        // Whatever a hook could not put back on its own (it failed, the run threw).
        await restoreEveryJournal(log);
      }
      if (sweep) log(sweepTable(sweep.option, runs, sweep.values));
      if (argv.json) process.stdout.write(JSON.stringify(sweep ? runs : runs[0], null, 2) + '\n');
      const failed = runs.find((run) => run.state === 'failed');
      if (failed) throw new CliError(`run failed: ${failed.error ?? 'unknown error'}`, EXIT_FAILED);
      throwIfUnverified(runs);
      // Like any program stopped by the signal, so that scripts can tell an interrupted run apart.
      if (signals.received) process.exitCode = signalExitCode(signals.received);
    },
  );
}

/** One run's settings; errors are collected, not thrown, so that every variant of a sweep is checked. */
function parseRun(argv: RawArgs, scenario: Scenario): { config: RunConfig; errors: string[] } {
  const v = new Validator();
  const connection = connectionFrom(argv, v);
  const library = librarySettings(argv, v);
  const settings = runSettings(argv, v);
  // Every scenario's options are on the command line, so check them all (defaults pass).
  let options: Record<string, unknown> = {};
  for (const each of declaredScenarios()) {
    const values = parseScenarioOptions(each, argv, v.errors);
    if (each === scenario) options = values;
  }
  return { config: { connection, library, settings, options }, errors: v.errors };
}

/** A run whose after-run verification failed measured something broken: say so in the exit code. */
function throwIfUnverified(runs: RunFile[]): void {
  const checks = runs.flatMap((run) => run.summary?.verification?.checks.filter((check) => !check.ok) ?? []);
  if (checks.length) throw new CliError(`verification failed: ${checks.map((check) => `${check.name} (${check.detail})`).join('; ')}`, EXIT_FAILED);
}

async function runOnce({ connection, library, settings, options }: RunConfig, scenario: Scenario, stop: AbortSignal): Promise<RunFile> {
  const features = featuresFor(library);
  const data: DataSettings = {
    flags: library.flags,
    seed: library.seed,
    featureBytes: library.featureBytes,
    ...(library.featureFile === undefined ? {} : { featureFile: library.featureFile }),
    ...(settings.shard ? { shard: settings.shard } : {}),
  };
  await checkServerState(connection, settings);
  const startGate = await joinRendezvous({ connection, library, settings, options }, scenario);
  try {
    const run = await runBenchmark({
      scenario,
      connection,
      data,
      options,
      workers: settings.workers,
      threads: Math.min(settings.threads, settings.workers),
      durationMs: settings.durationMs,
      intervalMs: settings.intervalMs,
      ...(settings.intervalNote === undefined ? {} : { intervalNote: settings.intervalNote }),
      retry: { retries: settings.retries, backoffMs: settings.retryBackoffMs },
      features,
      resultsRoot: settings.results,
      stop,
      log,
      version: VERSION,
      tags: settings.tags,
      ...(settings.switchback ? { switchback: settings.switchback } : {}),
      hooks: runHooks(settings, scenario),
      preflight: preRunDoctor,
      outputs: await openOutputs(settings),
      ...(settings.ratePerSec ? { ratePerSec: settings.ratePerSec } : {}),
      ...(startGate ? { startGate } : {}),
    });
    return run;
  } finally {
    await restoreEveryJournal(log);
  }
}

/** The console line (and the summary at the end), the live page with --listen, and every --out. */
async function openOutputs(settings: RunSettings): Promise<Output[]> {
  const outputs: Output[] = [new ConsoleOutput(log)];
  try {
    if (settings.listen) outputs.push(await LiveSession.open(settings.listen, log));
    outputs.push(...createOutputs(settings.outputs, log));
    return outputs;
  } catch (error) {
    // One that cannot open refuses the run: the ones already open are closed first.
    for (const output of outputs) await output.end(null);
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT_FAILED);
  }
}

/**
 * Shards started together meet before anything is created: a shard whose peers do not all come
 * fails here with no run folder. The configuration key is every option but the shard's index and
 * where its results go, so that shards given different options never start as one set.
 */
async function joinRendezvous({ connection, library, settings, options }: RunConfig, scenario: Scenario): Promise<Rendezvous | null> {
  if (!settings.rendezvous || !settings.shard) return null;
  // Where results and live figures go, and the labels, may differ from shard to shard; what loads the server may not.
  const { shard, results: _results, json: _json, listen: _listen, outputs: _outputs, tags: _tags, rendezvous, ...rest } = settings;
  const configKey = createHash('sha256')
    .update(JSON.stringify({ scenario: scenario.name, options, library, settings: rest, of: shard.of, target: `${connection.host}:${connection.port}/${connection.database}` }))
    .digest('hex');
  const setId = rendezvous.id ?? `${scenario.name}-${library.flags.join('_')}-${shard.of}`;
  try {
    return await Rendezvous.join(connection, { setId, shard: shard.index, of: shard.of, timeoutMs: rendezvous.timeoutMs, configKey, log });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT_FAILED);
  }
}

/**
 * Before anything starts: what an earlier, killed innobench left changed on this server is
 * reported; a run whose diagnostics change server settings takes the server-state lock now, so
 * that it is refused (another innobench holds changes, or leftovers wait for `innobench restore`)
 * before a results folder exists; a --switchback setting that cannot be flipped is refused. Deadlock
 * capture is not asked: it does without the error log.
 */
async function checkServerState(connection: ConnectionOptions, settings: RunSettings): Promise<void> {
  const control = await connectControl(connection).catch(() => null);
  if (control) {
    try {
      await warnAboutLeftovers(control, log);
      const refusal = settings.switchback ? await SettingSwitcher.check(control, settings.switchback.name) : null;
      if (refusal) throw new CliError(refusal, EXIT_INVALID);
    } finally {
      await control.end().catch(() => undefined);
    }
  }
  if (settings.slowLogSec !== undefined || settings.stageProfile || settings.switchback) {
    await serverJournal(connection)
      .acquire()
      .catch((error: unknown) => {
        throw new CliError(`run refused: ${error instanceof Error ? error.message : String(error)}`, EXIT_FAILED);
      });
  }
}

/** The diagnostics this run asked for, in the order they start. */
function runHooks(settings: RunSettings, scenario: Scenario): RunHook[] {
  const hooks: RunHook[] = [];
  if (settings.captureDeadlocks ?? scenario.captureDeadlocks === true) hooks.push(deadlockCaptureHook(settings.deadlockPollMs));
  if (settings.statusCaptureMs !== undefined) hooks.push(statusCaptureHook(settings.statusCaptureMs));
  if (settings.slowLogSec !== undefined) hooks.push(slowLogHook(settings.slowLogSec));
  if (settings.stageProfile) {
    hooks.push(stageProfileHook(settings.stageProfileSql ? { sample: { sql: settings.stageProfileSql, rollback: settings.stageProfileRollback } } : {}));
  }
  return hooks;
}

function parseSweep(text: string, scenario: Scenario): { option: string; values: string[]; error?: string } {
  const match = /^([a-z][a-z0-9-]*)=(.+)$/.exec(text);
  const sweepable = new Set([...Object.keys(RUN_OPTIONS), ...Object.keys(scenario.options)]);
  if (!match || !sweepable.has(match[1]!)) {
    return { option: '', values: [], error: `--sweep ${JSON.stringify(text)}: expected option=v1,v2,… with one of ${[...sweepable].join(', ')}` };
  }
  return { option: match[1]!, values: match[2]!.split(',').map((value) => value.trim()) };
}

function groupOptions(scenario: string, options: Record<string, object>): Record<string, object> {
  return Object.fromEntries(Object.entries(options).map(([name, option]) => [name, { ...option, group: `${scenario}:` }]));
}
