/**
 * Before any load: the server's snapshot, the connection budget, the pre-run doctor, a results
 * folder proven writable, the scenario's plan (which may change the library: --fresh truncates)
 * and the first run.json. A run refused here leaves no folder behind.
 */
import { cpus, hostname } from 'node:os';
import type { ConnectionOptions } from '../config/connection.js';
import { redactConfig } from '../config/redact.js';
import type { PromiseConnection } from '../db/connect.js';
import { workerDriver } from '../db/drivers/index.js';
import { quoteIdent } from '../db/identifiers.js';
import { serverSnapshot } from '../db/serverSnapshot.js';
import { noiseScope, type NoiseScope } from '../metrics/machineNoise.js';
import { newRunId, RunFolder } from '../results/runFolder.js';
import type { RunFile } from '../results/types.js';
import { checkConnectionBudget, HARNESS_CONNECTIONS } from './preflight.js';
import type { RetryPolicy } from './retryPolicy.js';
import type { RunHook } from './runHooks.js';
import type { DataSettings, RunPlan, Scenario } from './scenario.js';
import { ServerSamplers } from './serverSamplers.js';
import type { SwitchbackSettings } from './settingSwitcher.js';

export type PreflightCheck = (control: PromiseConnection, plan: { scenario: Scenario; workers: number; harnessConnections: number; flag: string }, log: (line: string) => void) => Promise<unknown>;

export interface RunDescription {
  scenario: Scenario;
  connection: ConnectionOptions;
  data: DataSettings;
  options: Record<string, unknown>;
  workers: number;
  threads: number;
  durationMs: number;
  intervalMs: number;
  /** Why the interval is not the one the user would expect (shortened for a short run), for the first line. */
  intervalNote?: string;
  retry: RetryPolicy;
  ratePerSec?: number;
  resultsRoot: string;
  version: string;
  tags?: Record<string, string>;
  /** Flip one global between two values every slot (switchback) during the run. */
  switchback?: SwitchbackSettings;
  hooks: readonly RunHook[];
  preflight?: PreflightCheck;
  log: (line: string) => void;
}

export interface PreparedRun {
  run: RunFile;
  folder: RunFolder;
  plan: RunPlan;
  /** The accounting tables' rows before the load (absent when the scenario has none). */
  rowsBefore?: number;
  /** The server's pid and data disk when it runs on this machine, for the machine-noise sampler. */
  machineScope: NoiseScope;
}

export async function prepareRun(control: PromiseConnection, d: RunDescription): Promise<PreparedRun> {
  const server = await serverSnapshot(control);
  await ServerSamplers.syncReads(d.connection, control);
  const hookConnections = d.hooks.reduce((sum, hook) => sum + hook.connections, 0);
  await checkConnectionBudget(control, d.workers, hookConnections);
  // The brief doctor: warnings are printed, errors (a missing privilege …) refuse the run here.
  await d.preflight?.(control, { scenario: d.scenario, workers: d.workers, harnessConnections: HARNESS_CONNECTIONS + hookConnections, flag: d.data.flags.join(',') }, d.log);
  // The results folder is proven writable before the plan may change anything (--fresh truncates).
  const runId = newRunId(d.scenario.name);
  const folder = RunFolder.create(d.resultsRoot, runId);
  let plan: RunPlan;
  let rowsBefore: number | undefined;
  try {
    plan = await d.scenario.plan({ connection: d.connection, control, data: d.data, options: d.options, log: d.log }, d.workers);
    rowsBefore = plan.accountingTables ? await countRows(control, plan.accountingTables) : undefined;
  } catch (error) {
    // Nothing ran: leave no run folder behind for a library that was not prepared.
    folder.remove();
    throw error;
  }
  const run = firstRunFile(d, runId, server);
  folder.writeRun(run);
  const driver = run.environment.driver!;
  d.log(`run ${runId}: ${plan.description}; ${d.workers} workers on ${d.threads} thread(s), driver ${driver.name} ${driver.version}, results in ${folder.dir}${d.intervalNote ? `; ${d.intervalNote}` : ''}`);
  return { run, folder, plan, machineScope: await noiseScope(control), ...(rowsBefore === undefined ? {} : { rowsBefore }) };
}

function firstRunFile(d: RunDescription, runId: string, server: RunFile['server']): RunFile {
  const settings = { workers: d.workers, threads: d.threads, ratePerSec: d.ratePerSec ?? null, durationMs: d.durationMs, intervalMs: d.intervalMs, retry: d.retry, connection: d.connection, ...(d.switchback ? { switchback: switchbackConfig(d.switchback) } : {}) };
  return {
    format: 1,
    runId,
    scenario: d.scenario.name,
    state: 'running',
    startedAt: new Date().toISOString(),
    config: redactConfig({ ...recordedData(d.data), ...d.options, ...settings }),
    environment: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, hostname: hostname(), innobench: d.version, driver: workerDriver(d.connection) },
    server,
    ...(d.tags && Object.keys(d.tags).length ? { tags: d.tags } : {}),
  };
}

function switchbackConfig(s: SwitchbackSettings): Record<string, unknown> {
  return { setting: s.name, values: s.values.map((v) => v.text), slotMs: s.slotMs, dropMs: s.dropMs, seed: s.seed };
}

/** The data settings as run.json has always recorded them. */
function recordedData(data: DataSettings): Record<string, unknown> {
  return { flag: data.flags.join(','), seed: data.seed, featureBytes: data.featureBytes, featureFile: data.featureFile ?? 'generated', ...(data.shard ? { shard: data.shard } : {}) };
}

export async function countRows(control: PromiseConnection, tables: string[]): Promise<number> {
  let total = 0;
  for (const table of tables) {
    const [rows] = await control.query(`SELECT COUNT(*) AS n FROM ${quoteIdent(table)}`);
    total += Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
  }
  return total;
}
