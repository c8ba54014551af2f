/**
 * Diagnostics that run beside the load (deadlock capture, slow log, stage profiles, status
 * capture): each starts just before the load, stops after it, writes its own files into the run
 * folder and returns a summary for run.json's `diagnostics`. They never touch the measuring loop.
 * A hook that changes a server setting records it in the journal (src/serverState) first, so a
 * forced exit still restores it, and after a kill the next innobench reports it.
 */
import type { ConnectionOptions } from '../config/connection.js';
import type { RunFolder } from '../results/runFolder.js';
import type { Summary } from '../results/types.js';

export interface HookContext {
  connection: ConnectionOptions;
  folder: RunFolder;
  options: Record<string, unknown>;
  scenario: string;
  log: (line: string) => void;
}

export interface HookStopContext extends HookContext {
  /** The server's counter deltas over the measured window. */
  statusDelta: Record<string, number>;
}

export interface RunHook<D = unknown> {
  /** The key of its report in run.json's `diagnostics`. */
  name: string;
  /** Connections the hook opens for itself (counted against max_connections before the run). */
  connections: number;
  start(ctx: HookContext): Promise<void>;
  /** Must restore whatever `start` changed, even when the run failed. Returns the hook's report. */
  stop(ctx: HookStopContext): Promise<D>;
  /** The figures of its report that belong in the run's summary (the deadlock capture's counts). */
  summaryOf?(report: D): Partial<Summary>;
}

/** Hooks started in order; the first that cannot start stops the rest (its error is kept, not thrown). */
export async function startHooks(hooks: readonly RunHook[], ctx: HookContext): Promise<{ started: RunHook[]; error: Error | null }> {
  const started: RunHook[] = [];
  for (const hook of hooks) {
    try {
      await hook.start(ctx);
      started.push(hook);
    } catch (error) {
      return { started, error: new Error(`${hook.name} could not start: ${error instanceof Error ? error.message : String(error)}`) };
    }
  }
  return { started, error: null };
}

/** Stops every started hook (a failing one reports its error): the reports by name, and what they add to the summary. */
export async function stopHooks(hooks: readonly RunHook[], ctx: HookStopContext): Promise<{ diagnostics: Record<string, unknown>; summary: Partial<Summary> }> {
  const diagnostics: Record<string, unknown> = {};
  const summary: Partial<Summary> = {};
  for (const hook of hooks) {
    try {
      const report = await hook.stop(ctx);
      diagnostics[hook.name] = report;
      if (report !== undefined) Object.assign(summary, hook.summaryOf?.(report));
    } catch (error) {
      diagnostics[hook.name] = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  return { diagnostics, summary };
}
