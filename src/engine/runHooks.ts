/**
 * Diagnostics that run beside the load (deadlock capture, slow log, stage profiles, status
 * capture): each starts just before the load, stops after it, writes its own files into the run
 * folder and returns a summary for run.json's `diagnostics`. They never touch the measuring loop.
 * A hook that changes a server setting records it in the journal (src/serverState) first, so a
 * forced exit still restores it, and after a kill the next innobench reports it.
 */
import type { ConnectionOptions } from '../config/connection.js';
import type { RunFolder } from '../results/runFolder.js';

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

export interface RunHook {
  name: string;
  /** Connections the hook opens for itself (counted against max_connections before the run). */
  connections: number;
  start(ctx: HookContext): Promise<void>;
  /** Must restore whatever `start` changed, even when the run failed. */
  stop(ctx: HookStopContext): Promise<unknown>;
}
