/**
 * A run from start to summary, as a list of phases: prepare (doctor, plan, run.json), start the
 * hooks and the load threads, measure (ticks on fixed deadlines, one record per interval to every
 * output), finish (hooks stopped, summary, accounting, final state), and the outputs closed with
 * the final run.json. Each phase is a function of its own, given what it needs.
 */
import { secretFreeMessage } from '../config/redact.js';
import { connectControl } from '../db/connect.js';
import type { FeatureSource } from '../data/featureSource.js';
import type { RendezvousRecord, RunFile } from '../results/types.js';
import type { Output } from '../outputs/output.js';
import { RunFolderOutput } from '../outputs/runFolderOutput.js';
import { finishRun } from './finishRun.js';
import { LoadThreads } from './loadThreads.js';
import { measure, type Measured } from './measure.js';
import { prepareRun, type PreparedRun, type RunDescription } from './prepareRun.js';
import { startHooks, type HookContext } from './runHooks.js';
import { RunTotals } from './runTotals.js';
import { ServerSamplers } from './serverSamplers.js';
import { SettingSwitcher } from './settingSwitcher.js';

export interface RunRequest extends RunDescription {
  features: FeatureSource;
  /** Aborting it stops the run cleanly (SIGINT). */
  stop: AbortSignal;
  /** Where the figures go besides the run folder (the console line, the live page, `--out`); each is ended when the run returns or throws. */
  outputs: readonly Output[];
  /** Shards started together: waited for once every worker is connected, asked for the record at the end. */
  startGate?: { ready(): Promise<void>; finish(): Promise<RendezvousRecord> };
}

export async function runBenchmark(req: RunRequest): Promise<RunFile> {
  let run: RunFile | null = null;
  const outputs: Output[] = [...req.outputs];
  try {
    const control = await connectControl(req.connection);
    try {
      const prepared = await prepareRun(control, req);
      outputs.unshift(new RunFolderOutput(prepared.folder));
      run = await loadAndFinish(req, prepared, outputs);
      return run;
    } finally {
      await control.end().catch(() => undefined);
    }
  } finally {
    await endOutputs(outputs, run, req);
  }
}

async function loadAndFinish(req: RunRequest, prepared: PreparedRun, outputs: readonly Output[]): Promise<RunFile> {
  // Hooks start before the workers connect: MariaDB copies settings such as long_query_time into a
  // session when it connects, so a slow log switched on later would not see the workers at all.
  const hookContext: HookContext = { connection: req.connection, folder: prepared.folder, options: req.options, scenario: req.scenario.name, log: req.log };
  const hooks = await startHooks(req.hooks, hookContext);
  const totals = new RunTotals();
  const samplers = new ServerSamplers(req.connection, req.log);
  const threads = hooks.error ? null : new LoadThreads(req, prepared.plan.assignments);
  const switcher = req.switchback ? new SettingSwitcher(req.connection, req.switchback, req.intervalMs, req.durationMs) : null;
  let measured: Measured | null = null;
  let failure: string | null = null;
  try {
    if (hooks.error || !threads) throw hooks.error;
    await samplers.open();
    await threads.hub.allReady();
    await req.startGate?.ready();
    await switcher?.begin();
    measured = await measure({ hub: threads.hub, samplers, outputs, totals, switcher, run: prepared.run, dir: prepared.folder.dir, durationMs: req.durationMs, intervalMs: req.intervalMs, stop: req.stop, machineScope: prepared.machineScope });
    if (req.startGate) prepared.run.rendezvous = await req.startGate.finish();
    if (measured.endReason === 'work-done') req.log(`every worker ran out of work after ${measured.elapsedSec.toFixed(1)}s: the run ended early (prepare a larger scale for longer runs)`);
    if (threads.hub.fatal) throw new Error(threads.hub.fatal);
  } catch (error) {
    failure = secretFreeMessage(error, req.connection.password);
    threads?.hub.broadcast({ type: 'stop' });
  } finally {
    await threads?.close();
    await samplers.close();
    await switcher?.end();
  }
  return finishRun(req, { prepared, measured, failure, totals, samplers, switcher, hooks: hooks.started, hookContext });
}

/** Every output is ended, in order (the run folder first), even when one fails. */
async function endOutputs(outputs: readonly Output[], run: RunFile | null, req: RunRequest): Promise<void> {
  for (const output of outputs) {
    try {
      await output.end(run);
    } catch (error) {
      req.log(`${output.description}: ${secretFreeMessage(error, req.connection.password)}`);
    }
  }
}
