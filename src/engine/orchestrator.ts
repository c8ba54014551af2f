/**
 * A run from start to summary: plan the work, start the load threads together, tick on fixed
 * deadlines (next = start + n·interval, so a slow tick never shifts the ones after it), merge
 * each interval's snapshots with the server's counter deltas into one record, stream it to the
 * formatters and the run folder, and close with a summary and the accounting check.
 */
import { MessageChannel } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { cpus, hostname } from 'node:os';
import { Piscina } from 'piscina';
import type { ConnectionOptions } from '../config/connection.js';
import { redactConfig, scrubSecret } from '../config/redact.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import { workerDriver } from '../db/drivers/index.js';
import { serverSnapshot } from '../db/serverSnapshot.js';
import { quoteIdent } from '../db/identifiers.js';
import type { FeatureSource } from '../data/featureSource.js';
import { intervalStats, mergeSnapshots, type IntervalStats, type MergedInterval } from '../metrics/intervalStats.js';
import { addDeltas, ratesPerSecond, statusDelta, type StatusDelta } from '../metrics/serverStatus.js';
import { StatusSampler } from '../metrics/statusSampler.js';
import { consoleLine, statusRow, timelineRows } from '../format/intervalLine.js';
import { encodeHistogram, latencySummaryMs, newHistogram, percentileDistributionMs, type Histogram } from '../metrics/histogram.js';
import { addCounts, emptyCounts, isPart, type MetersSnapshot } from '../metrics/opMeters.js';
import { INTERVAL_HISTOGRAMS_FILE, newRunId, RunFolder, STATUS_FILE, TIMELINE_FILE } from '../results/runFolder.js';
import type { RendezvousRecord, DeadlockCaptureSummary, OpCounts, OpSummary, RunFile, StatusSection, Summary } from '../results/types.js';
import { accountingCheck } from '../analysis/accounting/accounting.js';
import { HISTOGRAM_LOG_FILE, histogramLogHeader, histogramLogLine } from '../results/histogramLog.js';
import type { DataSettings, Scenario } from './scenario.js';
import type { RetryPolicy } from './retryPolicy.js';
import type { ThreadTask } from './protocol.js';
import { ThreadHub } from './threadHub.js';
import { checkConnectionBudget, HARNESS_CONNECTIONS } from './preflight.js';
import type { RunHook } from './runHooks.js';
import type { ExecutorConfig } from './executors/index.js';
import { ClusterRun } from './clusterRun.js';

interface RunRequest {
  scenario: Scenario;
  connection: ConnectionOptions;
  data: DataSettings;
  /** The scenario's options, parsed by `parseScenarioOptions`; passed to workers and recorded. */
  options: Record<string, unknown>;
  workers: number;
  threads: number;
  durationMs: number;
  intervalMs: number;
  retry: RetryPolicy;
  features: FeatureSource;
  resultsRoot: string;
  /** Aborting it stops the run cleanly (SIGINT). */
  stop: AbortSignal;
  log: (line: string) => void;
  /** Each interval's record and its merged per-operation histograms (read them, do not keep them). */
  onInterval?: (stats: IntervalStats, merged: MergedInterval) => void;
  /** The run has an id and a folder; its run.json is written. */
  onStart?: (run: RunFile, dir: string) => void;
  version: string;
  /** Open loop: operations per second over all workers; closed loop when absent. */
  ratePerSec?: number;
  /** Diagnostics run beside the load (see runHooks.ts). */
  hooks?: RunHook[];
  /** Checks of the server before anything changes (the pre-run doctor): throws to refuse the run. */
  preflight?: PreflightCheck;
  /** Shards started together: waited for once every worker is connected, asked for the record at the end. */
  startGate?: { ready(): Promise<void>; finish(): Promise<RendezvousRecord> };
}

type PreflightCheck = (control: PromiseConnection, plan: { scenario: Scenario; workers: number; harnessConnections: number; flag: string }, log: (line: string) => void) => Promise<unknown>;

interface Totals {
  byOp: Map<string, { counts: OpCounts; histogram: Histogram }>;
  status: Record<string, number>;
  resets: number;
  lastGauges: Record<string, number>;
}

const THREAD_TASK = new URL('./threadTask.js', import.meta.url).href;

/**
 * A load thread's V8 heap: a young generation of 192 MiB instead of the default (about 48 MiB).
 * Reads bring in hundreds of MB/s of short-lived result buffers, and a CPU profile of a 100-worker
 * read run showed a fifth (mariadb) to a third (mysql2) of the thread's busy time in scavenges;
 * with the larger young generation the same runs took about a fifth less client CPU per read.
 */
export const LOAD_THREAD_RESOURCES = { maxYoungGenerationSizeMb: 192 } as const;

export async function runBenchmark(req: RunRequest): Promise<RunFile> {
  const control = await connectControl(req.connection);
  try {
    return await runWith(control, req);
  } finally {
    await control.end().catch(() => undefined);
  }
}

async function runWith(control: PromiseConnection, req: RunRequest): Promise<RunFile> {
  const server = await serverSnapshot(control);
  await ClusterRun.syncReads(req.connection, control);
  const hooks = req.hooks ?? [];
  const hookConnections = hooks.reduce((sum, hook) => sum + hook.connections, 0);
  await checkConnectionBudget(control, req.workers, hookConnections);
  // The brief doctor: warnings are printed, errors (a missing privilege …) refuse the run here.
  await req.preflight?.(control, { scenario: req.scenario, workers: req.workers, harnessConnections: HARNESS_CONNECTIONS + hookConnections, flag: req.data.flags.join(',') }, req.log);
  // The results folder is proven writable before the plan may change anything (--fresh truncates).
  const runId = newRunId(req.scenario.name);
  const folder = RunFolder.create(req.resultsRoot, runId);
  let plan: Awaited<ReturnType<Scenario['plan']>>;
  let rowsBefore: number | undefined;
  try {
    plan = await req.scenario.plan({ connection: req.connection, control, data: req.data, options: req.options, log: req.log }, req.workers);
    rowsBefore = plan.accountingTables ? await countRows(control, plan.accountingTables) : undefined;
  } catch (error) {
    // Nothing ran: leave no run folder behind for a library that was not prepared.
    folder.remove();
    throw error;
  }
  const driver = workerDriver(req.connection);
  const run: RunFile = {
    format: 1,
    runId,
    scenario: req.scenario.name,
    state: 'running',
    startedAt: new Date().toISOString(),
    config: redactConfig({ ...recordedData(req.data), ...req.options, workers: req.workers, threads: req.threads, ratePerSec: req.ratePerSec ?? null, durationMs: req.durationMs, intervalMs: req.intervalMs, retry: req.retry, connection: req.connection }),
    environment: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, hostname: hostname(), innobench: req.version, driver },
    server,
  };
  folder.writeRun(run);
  req.onStart?.(run, folder.dir);
  req.log(`run ${runId}: ${plan.description}; ${req.workers} workers on ${req.threads} thread(s), driver ${driver.name} ${driver.version}, results in ${folder.dir}`);

  // Hooks start before the workers connect: MariaDB copies settings such as long_query_time into a
  // session when it connects, so a slow log switched on later would not see the workers at all.
  const hookContext = { connection: req.connection, folder, options: req.options, scenario: req.scenario.name, log: req.log };
  const started: RunHook[] = [];
  let hookStartError: unknown = null;
  for (const hook of hooks) {
    try {
      await hook.start(hookContext);
      started.push(hook);
    } catch (error) {
      hookStartError = new Error(`${hook.name} could not start: ${error instanceof Error ? error.message : String(error)}`);
      break;
    }
  }

  const hub = new ThreadHub();
  const pool = new Piscina({
    filename: THREAD_TASK,
    minThreads: req.threads,
    maxThreads: req.threads,
    concurrentTasksPerWorker: 1,
    idleTimeout: 100,
    resourceLimits: LOAD_THREAD_RESOURCES,
  });
  const tasks: Array<Promise<unknown>> = [];
  for (let threadIndex = 0; threadIndex < (hookStartError ? 0 : req.threads); threadIndex++) {
    const workers = plan.assignments.map((assignment, workerId) => ({ workerId, assignment })).filter((w) => w.workerId % req.threads === threadIndex);
    const channel = new MessageChannel();
    hub.attach(threadIndex, channel.port1);
    // An open loop's rate is shared between the threads as their workers are.
    const executor: ExecutorConfig = req.ratePerSec ? { name: 'arrival-rate', settings: { ratePerSec: (req.ratePerSec * workers.length) / req.workers } } : { name: 'constant-workers', settings: {} };
    const task: ThreadTask = {
      threadIndex,
      scenarioModule: req.scenario.module,
      connection: req.connection,
      data: req.data,
      options: req.options,
      workers,
      features: req.features,
      retry: req.retry,
      executor,
      port: channel.port2,
    };
    tasks.push(pool.run(task, { transferList: [channel.port2] }));
  }

  const sampler = new StatusSampler(req.connection, req.log);
  const cluster = ClusterRun.forRun(req.connection, req.log);
  const totals: Totals = { byOp: new Map(), status: {}, resets: 0, lastGauges: {} };
  let endReason: Summary['endReason'] = 'duration';
  let cpuAtStart: NodeJS.CpuUsage | null = null;
  let clientCpuSec: number | undefined;
  let elapsedSec = 0;
  try {
    if (hookStartError) throw hookStartError;
    await sampler.open();
    await cluster?.open();
    await hub.allReady();
    await req.startGate?.ready();
    let previousSample = await sampler.sample();
    hub.broadcast({ type: 'start' });
    const startedAt = performance.now();
    folder.appendLine(HISTOGRAM_LOG_FILE, histogramLogHeader(Date.now()));
    cpuAtStart = process.cpuUsage();
    let cpuAtTick = cpuAtStart;
    let previousTickAt = startedAt;
    const stopWake = new Promise<void>((resolve) => req.stop.addEventListener('abort', () => resolve(), { once: true }));

    for (let seq = 1; ; seq++) {
      const endAt = startedAt + req.durationMs;
      const deadline = Math.min(startedAt + seq * req.intervalMs, endAt);
      await Promise.race([sleep(deadline - performance.now()), stopWake, hub.ended]);
      const now = performance.now();
      // A timer may fire a hair before its deadline: the tick that was due at the end is the end.
      const finishing = req.stop.aborted || hub.fatal !== null || hub.runningCount === 0 || now >= endAt || deadline >= endAt;
      let snapshots: MetersSnapshot[];
      if (finishing) {
        endReason = hub.fatal ? 'error' : req.stop.aborted ? 'interrupted' : hub.runningCount === 0 && hub.allWorkDone ? 'work-done' : 'duration';
        hub.broadcast({ type: 'stop' });
        snapshots = await hub.drain();
        const cpu = process.cpuUsage(cpuAtStart ?? undefined);
        clientCpuSec = Math.round((cpu.user + cpu.system) / 1000) / 1000;
      } else snapshots = await hub.collect(seq);
      const tickAt = finishing ? Math.min(performance.now(), now) : now;
      const sample = await sampler.sample();
      const clusterSample = await cluster?.sample();
      if (finishing) hub.releaseAll();
      const status = sample && previousSample ? statusDelta(previousSample, sample) : undefined;
      if (sample) previousSample = sample;
      const merged = mergeSnapshots(snapshots);
      const stats: IntervalStats = intervalStats(seq, (tickAt - startedAt) / 1000, Math.max(0.001, (tickAt - previousTickAt) / 1000), merged, status);
      const cpuNow = process.cpuUsage();
      const memory = process.memoryUsage();
      stats.client = {
        rssMb: Math.round(memory.rss / 104857.6) / 10,
        heapUsedMb: Math.round(memory.heapUsed / 104857.6) / 10,
        cpuPct: Math.round(((cpuNow.user - cpuAtTick.user + cpuNow.system - cpuAtTick.system) / 1000 / Math.max(1, tickAt - previousTickAt)) * 1000) / 10,
        loopDelayP99Ms: hub.loopDelayP99Ms,
      };
      if (clusterSample) stats.cluster = clusterSample;
      cpuAtTick = cpuNow;
      previousTickAt = tickAt;
      elapsedSec = stats.elapsedSec;
      addToTotals(totals, merged, status);
      record(folder, stats, merged);
      req.log(consoleLine(stats));
      req.onInterval?.(stats, merged);
      run.summary = summarize(totals, elapsedSec, endReason);
      run.status = statusSection(totals, elapsedSec);
      folder.writeRun(run);
      if (finishing) break;
    }
    if (req.startGate) run.rendezvous = await req.startGate.finish();
    if (endReason === 'work-done') req.log(`every worker ran out of work after ${elapsedSec.toFixed(1)}s: the run ended early (prepare a larger scale for longer runs)`);
    if (hub.fatal) throw new Error(hub.fatal);
  } catch (error) {
    run.state = 'failed';
    run.error = scrubSecret(error instanceof Error ? error.message : String(error), req.connection.password);
    hub.broadcast({ type: 'stop' });
  } finally {
    hub.releaseAll();
    await Promise.allSettled(tasks);
    await pool.destroy();
    await sampler.close();
    await cluster?.close();
  }
  const diagnostics: Record<string, unknown> = {};
  for (const hook of started) {
    try {
      diagnostics[hook.name] = await hook.stop({ ...hookContext, statusDelta: totals.status });
    } catch (error) {
      diagnostics[hook.name] = { error: error instanceof Error ? error.message : String(error) };
    }
  }

  const summary = summarize(totals, elapsedSec, run.state === 'failed' ? 'error' : endReason);
  if (clientCpuSec !== undefined) summary.clientCpuSec = clientCpuSec;
  if (sampler.outages.length) summary.serverOutages = sampler.outages;
  // After a server restart the control connection is gone: the checks use a fresh one, and a
  // server still down leaves a note instead of losing the summary.
  if (run.state !== 'failed' && (plan.accountingTables || req.scenario.verify)) {
    try {
      const checker = await connectControl(req.connection);
      try {
        await ClusterRun.syncReads(req.connection, checker);
        if (cluster) addDeltas(totals.status, await cluster.catchUp(sampler.last));
        if (plan.accountingTables && rowsBefore !== undefined) {
          summary.accounting = accountingCheck(summary, statusSection(totals, elapsedSec), rowsBefore, await countRows(checker, plan.accountingTables), req.data.shard);
        }
        if (req.scenario.verify) summary.verification = await req.scenario.verify({ connection: req.connection, control: checker, data: req.data, options: req.options, log: req.log });
      } finally {
        await checker.end().catch(() => undefined);
      }
    } catch (error) {
      req.log(`after-run checks skipped: ${scrubSecret(error instanceof Error ? error.message : String(error), req.connection.password)}`);
    }
  }
  if (cluster) {
    try {
      summary.cluster = await cluster.summarize(summary, run.state === 'failed' ? undefined : plan.accountingTables);
    } catch (error) {
      req.log(`cluster figures incomplete: ${scrubSecret(error instanceof Error ? error.message : String(error), req.connection.password)}`);
    }
  }
  if (diagnostics.deadlockCapture) summary.deadlockCapture = diagnostics.deadlockCapture as DeadlockCaptureSummary;
  if (Object.keys(diagnostics).length) run.diagnostics = diagnostics;
  run.summary = summary;
  run.status = statusSection(totals, elapsedSec);
  if (run.state === 'running' && summary.ops === 0 && (summary.errors > 0 || endReason !== 'interrupted')) {
    // No operation succeeded: that is no measurement, whether every one failed (a permanent error
    // such as a missing grant) or there was none to do. Stopped by hand before the first one, a
    // run stays interrupted.
    run.state = 'failed';
    run.error = noOperationReason(summary);
  }
  if (run.state === 'running') run.state = endReason === 'interrupted' ? 'interrupted' : 'completed';
  run.endedAt = new Date().toISOString();
  writeHistogramFiles(folder, totals);
  folder.writeRun(run);
  return run;
}

/** Why a run that did no operation is no measurement, with what to do about it. */
function noOperationReason(summary: Summary): string {
  if (summary.errors > 0) return `every operation failed: ${JSON.stringify(summary.errorsByCode)}`;
  if (summary.endReason === 'work-done') {
    return 'no operation was done: the workers found no work left (the library is used up: prepare another --flag, or empty it first with --fresh where the scenario has it)';
  }
  return `no operation was done in ${summary.elapsedSec}s`;
}

/** The data settings as run.json has always recorded them. */
function recordedData(data: DataSettings): Record<string, unknown> {
  return { flag: data.flags.join(','), seed: data.seed, featureBytes: data.featureBytes, featureFile: data.featureFile ?? 'generated', ...(data.shard ? { shard: data.shard } : {}) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

async function countRows(control: PromiseConnection, tables: string[]): Promise<number> {
  let total = 0;
  for (const table of tables) {
    const [rows] = await control.query(`SELECT COUNT(*) AS n FROM ${quoteIdent(table)}`);
    total += Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
  }
  return total;
}

function addToTotals(totals: Totals, merged: MergedInterval, status: StatusDelta | undefined): void {
  for (const [op, part] of merged.byOp) {
    let total = totals.byOp.get(op);
    if (!total) totals.byOp.set(op, (total = { counts: emptyCounts(), histogram: newHistogram() }));
    addCounts(total.counts, part.counts);
    total.histogram.add(part.histogram);
  }
  if (status) {
    addDeltas(totals.status, status.delta);
    if (status.reset) totals.resets++;
    totals.lastGauges = status.gauges;
  }
}

function record(folder: RunFolder, stats: IntervalStats, merged: MergedInterval): void {
  for (const row of timelineRows(stats)) folder.appendCsv(TIMELINE_FILE, row);
  const status = statusRow(stats);
  if (status) folder.appendCsv(STATUS_FILE, status);
  for (const [op, part] of merged.byOp) {
    folder.appendLine(INTERVAL_HISTOGRAMS_FILE, JSON.stringify({ seq: stats.seq, elapsedSec: stats.elapsedSec, op, histogram: encodeHistogram(part.histogram) }));
    folder.appendLine(HISTOGRAM_LOG_FILE, histogramLogLine({ tag: op, startSec: stats.elapsedSec - stats.seconds, lengthSec: stats.seconds, histogram: part.histogram }));
  }
}

function opSummary(counts: OpCounts, histogram: Histogram, elapsedSec: number): OpSummary {
  return { ...counts, opsPerSec: elapsedSec > 0 ? Math.round((counts.ops / elapsedSec) * 100) / 100 : 0, latencyMs: latencySummaryMs(histogram) };
}

function summarize(totals: Totals, elapsedSec: number, endReason: Summary['endReason']): Summary {
  const all = emptyCounts();
  const allHistogram = newHistogram();
  const byOp: Record<string, OpSummary> = {};
  for (const [op, { counts, histogram }] of totals.byOp) {
    byOp[op] = opSummary(counts, histogram, elapsedSec);
    if (isPart(op)) continue;
    addCounts(all, counts);
    allHistogram.add(histogram);
  }
  return { ...opSummary(all, allHistogram, elapsedSec), elapsedSec: Math.round(elapsedSec * 1000) / 1000, endReason, byOp };
}

function statusSection(totals: Totals, elapsedSec: number): StatusSection {
  return { delta: { ...totals.status }, rate: ratesPerSecond(totals.status, Math.max(elapsedSec, 0.001)), gauges: totals.lastGauges, resets: totals.resets };
}

function writeHistogramFiles(folder: RunFolder, totals: Totals): void {
  const all = newHistogram();
  for (const [op, { histogram }] of totals.byOp) {
    all.add(histogram);
    if (totals.byOp.size > 1) folder.writeAtomic(`latency-${op}.hgrm`, percentileDistributionMs(histogram));
  }
  folder.writeAtomic('latency.hgrm', percentileDistributionMs(all));
}
