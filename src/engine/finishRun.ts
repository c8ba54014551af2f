/**
 * After the load: the hooks stopped (they restore what they changed), the summary built from the
 * totals, the after-run checks on a fresh connection (the accounting: harness rows = Com_insert
 * delta = rows gained; the scenario's verification), a cluster's figures, and the run's final state.
 */
import { connectControl } from '../db/connect.js';
import { secretFreeMessage } from '../config/redact.js';
import { addDeltas } from '../metrics/serverStatus.js';
import { summarize } from '../results/summary.js';
import type { RunFile, Summary } from '../results/types.js';
import { accountingCheck } from '../analysis/accounting/accounting.js';
import { countRows, type PreparedRun, type RunDescription } from './prepareRun.js';
import type { Measured } from './measure.js';
import type { RunTotals } from './runTotals.js';
import type { ServerSamplers } from './serverSamplers.js';
import type { SettingSwitcher } from './settingSwitcher.js';
import { stopHooks, type HookContext, type RunHook } from './runHooks.js';

export interface FinishInput {
  prepared: PreparedRun;
  /** What the measured window gave; null when it never started. */
  measured: Measured | null;
  /** Why the run failed (a hook that did not start, a thread's fatal error, an output that could not write). */
  failure: string | null;
  totals: RunTotals;
  samplers: ServerSamplers;
  switcher: SettingSwitcher | null;
  hooks: readonly RunHook[];
  hookContext: HookContext;
}

export async function finishRun(d: RunDescription, f: FinishInput): Promise<RunFile> {
  const { run, plan, rowsBefore } = f.prepared;
  const elapsedSec = f.totals.elapsedSec;
  const endReason = f.failure !== null ? 'error' : (f.measured?.endReason ?? 'duration');
  const hooks = await stopHooks(f.hooks, { ...f.hookContext, statusDelta: f.totals.status });
  const summary = summarize(f.totals.ops, elapsedSec, endReason);
  if (f.measured) summary.clientCpuSec = f.measured.clientCpuSec;
  if (f.measured) summary.machine = f.measured.machine;
  if (f.samplers.outages.length) summary.serverOutages = f.samplers.outages;
  if (f.failure === null) await afterRunChecks(d, f, summary, plan.accountingTables, rowsBefore);
  try {
    await f.samplers.summarize(summary, f.failure === null ? plan.accountingTables : undefined);
  } catch (error) {
    d.log(`cluster figures incomplete: ${secretFreeMessage(error, d.connection.password)}`);
  }
  Object.assign(summary, hooks.summary);
  if (f.switcher && f.measured) summary.switchback = f.switcher.verdict();
  if (Object.keys(hooks.diagnostics).length) run.diagnostics = hooks.diagnostics;
  run.summary = summary;
  run.status = f.totals.statusSection(elapsedSec);
  settleState(run, summary, f.failure);
  run.endedAt = new Date().toISOString();
  return run;
}

/**
 * After a server restart the control connection is gone: the checks use a fresh one, and a
 * server still down leaves a note instead of losing the summary.
 */
async function afterRunChecks(d: RunDescription, f: FinishInput, summary: Summary, tables: string[] | undefined, rowsBefore: number | undefined): Promise<void> {
  if (!tables && !d.scenario.verify) return;
  try {
    const checker = await connectControl(d.connection);
    try {
      addDeltas(f.totals.status, await f.samplers.catchUp(checker));
      if (tables && rowsBefore !== undefined) {
        summary.accounting = accountingCheck(summary, f.totals.statusSection(summary.elapsedSec), rowsBefore, await countRows(checker, tables), d.data.shard);
      }
      if (d.scenario.verify) summary.verification = await d.scenario.verify({ connection: d.connection, control: checker, data: d.data, options: d.options, log: d.log });
    } finally {
      await checker.end().catch(() => undefined);
    }
  } catch (error) {
    d.log(`after-run checks skipped: ${secretFreeMessage(error, d.connection.password)}`);
  }
}

function settleState(run: RunFile, summary: Summary, failure: string | null): void {
  if (failure !== null) {
    run.state = 'failed';
    run.error = failure;
  } else if (summary.ops === 0 && (summary.errors > 0 || summary.endReason !== 'interrupted')) {
    // No operation succeeded: that is no measurement, whether every one failed (a permanent error
    // such as a missing grant) or there was none to do. Stopped by hand before the first one, a
    // run stays interrupted.
    run.state = 'failed';
    run.error = noOperationReason(summary);
  } else run.state = summary.endReason === 'interrupted' ? 'interrupted' : 'completed';
}

/** Why a run that did no operation is no measurement, with what to do about it. */
function noOperationReason(summary: Summary): string {
  if (summary.errors > 0) return `every operation failed: ${JSON.stringify(summary.errorsByCode)}`;
  if (summary.endReason === 'work-done') {
    return 'no operation was done: the workers found no work left (the library is used up: prepare another --flag, or empty it first with --fresh where the scenario has it)';
  }
  return `no operation was done in ${summary.elapsedSec}s`;
}
