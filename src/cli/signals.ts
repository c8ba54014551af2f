/**
 * How a command that changes server state ends on a signal. SIGINT (Ctrl-C), SIGTERM (kill, a CI
 * timeout, systemd) and SIGHUP (a closed terminal or SSH session) all mean "stop": the first one
 * asks for a clean stop when the command has one (a run finishes the operations in flight and
 * saves its results), the next one, or the first when there is no clean stop, puts back every
 * journalled server change and exits. The exit code is 128 + the signal's number, as a shell
 * reports a process killed by it, so a script can tell a stopped command from a failed one.
 */
import { constants } from 'node:os';
import { restoreEveryJournal } from '../serverState/journal.js';
import { log } from './exit.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

export interface SignalHandling {
  /** The first signal received, or null. */
  readonly received: StopSignal | null;
  remove(): void;
}

/**
 * Puts back what this process changed (each change given `timeoutMs`), then exits 128 + signal.
 * `forceStop` first undoes what the command holds beyond the journal (the matrix: its child run,
 * a drop-in and its restart, matrix.json).
 */
function restoreAndExit(signal: StopSignal, second: boolean, timeoutMs: number, forceStop?: () => Promise<void>): void {
  log(`${second ? 'second ' : ''}${signal}: restoring changed server settings, then exiting`);
  const forced = forceStop ? forceStop().catch((error: unknown) => log(`forced stop: ${error instanceof Error ? error.message : String(error)}`)) : Promise.resolve();
  void forced.then(() => restoreEveryJournal(log, timeoutMs)).finally(() => process.exit(signalExitCode(signal)));
}

/**
 * Handles the stop signals until `remove()`. `cleanStop` is called on the first one; without it
 * the first one already restores and exits. `forceStop` runs before that restore (see restoreAndExit).
 */
export function handleStopSignals(cleanStop?: (signal: StopSignal) => void, timeoutMs = 3000, forceStop?: () => Promise<void>): SignalHandling {
  const state: { received: StopSignal | null } = { received: null };
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = (): void => {
      const first = state.received === null;
      state.received ??= signal;
      if (first && cleanStop) cleanStop(signal);
      else restoreAndExit(signal, !first, timeoutMs, forceStop);
    };
    process.on(signal, handler);
    return { signal, handler };
  });
  return {
    get received() {
      return state.received;
    },
    remove() {
      for (const { signal, handler } of handlers) process.off(signal, handler);
    },
  };
}
