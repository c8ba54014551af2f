/**
 * Catches deadlocks while a run goes. Two sources: SHOW ENGINE INNODB STATUS polled often (it only
 * ever shows the latest deadlock, so some are missed under a storm), and, where the server is on
 * this machine and lets us, the error log with innodb_print_all_deadlocks ON for the run (every
 * deadlock, restored to its previous value afterwards). Each deadlock says which source caught it;
 * the server's Innodb_deadlocks delta says how many none caught, and the notes say why.
 */
import { isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PromiseConnection } from '../db/connect.js';
import {
  extractLatestDeadlock,
  formatDeadlockText,
  parseDeadlock,
  parseErrorLogDeadlocks,
  summarizeShapes,
  type ParsedDeadlock,
} from '../analysis/deadlocks/deadlocks.js';
import { mergeSources, type CapturedDeadlock } from '../analysis/deadlocks/deadlockSources.js';
import type { DeadlockCaptureSummary } from '../results/types.js';
import { JournalBusy, LeftoverChanges, type ServerJournal, serverJournal } from '../serverState/journal.js';
import type { JournalEntry } from '../serverState/journalTable.js';
import { connectControl } from '../db/connect.js';
import type { HookContext, HookStopContext, RunHook } from '../engine/runHooks.js';
import { ErrorLogTail } from './errorLogTail.js';

/** How long to wait after the run for dumps the server counted but has not finished writing. */
const LOG_SETTLE_MS = 3000;
const LOG_RECHECK_MS = 100;

export class DeadlockCapture {
  private readonly fromStatus: ParsedDeadlock[] = [];
  private fromErrorLog: ParsedDeadlock[] = [];
  /** The section shown when polling started (undefined until a poll answered): an older deadlock, not the run's. */
  private lastSection: string | undefined;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private printAllChange: JournalEntry | null = null;
  private errorLog: ErrorLogTail | null = null;
  /** Why the error log holds fewer dumps than the server counted, as far as the capture could tell. */
  private readonly logGaps: string[] = [];
  readonly notes: string[] = [];

  /** Null after the server went away; the next poll reconnects (a restart must not end the capture). */
  private connection: PromiseConnection | null;

  constructor(
    connection: PromiseConnection,
    private readonly connect: () => Promise<PromiseConnection>,
    private readonly pollMs: number,
    private readonly journal: ServerJournal,
  ) {
    this.connection = connection;
  }

  async start(): Promise<void> {
    await this.enableErrorLog();
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
  }

  /**
   * Stops polling, reads the error log, restores the server variable. Always call it (finally).
   * `serverCounter` (the Innodb_deadlocks delta) is how many dumps to wait for.
   */
  async stop(serverCounter: number | null): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.poll();
    if (this.errorLog) {
      await this.checkPrintAllStillOn();
      await this.readErrorLog(this.errorLog, serverCounter);
    }
    await this.restore();
  }

  /** Puts innodb_print_all_deadlocks back as it was; safe to call twice. */
  async restore(): Promise<void> {
    const change = this.printAllChange;
    this.printAllChange = null;
    if (!change) return;
    await this.journal.restore(change);
    this.notes.push('innodb_print_all_deadlocks set ON for the run, restored to OFF');
  }

  /** Closes the capture's own connection. */
  async end(): Promise<void> {
    await this.connection?.end().catch(() => undefined);
  }

  deadlocks(): CapturedDeadlock[] {
    return mergeSources(this.fromStatus, this.fromErrorLog);
  }

  summary(serverCounter: number | null): DeadlockCaptureSummary {
    const all = this.deadlocks();
    const missed = serverCounter === null ? null : Math.max(0, serverCounter - all.length);
    return {
      captured: all.length,
      fromInnodbStatus: all.filter((d) => d.sources.includes('innodb-status')).length,
      fromErrorLog: all.filter((d) => d.sources.includes('error-log')).length,
      serverCounter,
      missed,
      shapes: summarizeShapes(all).map(({ shape, count }) => ({ shape, count })),
      notes: [...this.notes, ...this.missedNotes(serverCounter, all.length)],
    };
  }

  jsonLines(): string {
    return this.deadlocks()
      .map((d) => JSON.stringify(d))
      .join('\n');
  }

  text(): string {
    return this.deadlocks()
      .map((d) => `${formatDeadlockText(d)}\n  caught by: ${d.sources.join(', ')}`)
      .join('\n\n');
  }

  /** How many deadlocks each source could not see, and why. */
  private missedNotes(serverCounter: number | null, captured: number): string[] {
    if (serverCounter === null) return [];
    if (captured > serverCounter) {
      return [`${captured - serverCounter} more captured than the server counted: other sessions' deadlocks just before or after the measured window`];
    }
    if (captured === serverCounter) return [];
    if (!this.errorLog) {
      return [
        `SHOW ENGINE INNODB STATUS shows only the latest deadlock: polling every ${this.pollMs} ms saw ${this.fromStatus.length} of ${serverCounter}, ` +
          `the other ${serverCounter - this.fromStatus.length} were replaced by the next one before a poll`,
      ];
    }
    const logged = this.fromErrorLog.length;
    const why = this.logGaps.length ? this.logGaps.join('; ') : 'the server did not write them';
    return [`the error log holds ${logged} deadlock dump(s) of the ${serverCounter} the server counted: ${serverCounter - logged} not in it (${why})`];
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      this.connection ??= await this.connect();
      const [rows] = await this.connection.query('SHOW ENGINE INNODB STATUS');
      const status = (rows as Array<{ Status: string }>)[0]?.Status ?? '';
      const section = extractLatestDeadlock(status) ?? '';
      const before = this.lastSection;
      this.lastSection = section;
      if (section !== '' && before !== undefined && section !== before) this.fromStatus.push(parseDeadlock(section, 'innodb-status'));
    } catch (error) {
      this.connection?.destroy();
      this.connection = null;
      const message = error instanceof Error ? error.message : String(error);
      if (!this.notes.includes(`SHOW ENGINE INNODB STATUS failed: ${message}`)) this.notes.push(`SHOW ENGINE INNODB STATUS failed: ${message}`);
    } finally {
      this.polling = false;
    }
  }

  /**
   * Every dump written since the start. The server counts a deadlock as it prints it, so the last
   * dumps may still be on their way when the run ends: read again until the log holds as many as the
   * server counted, the last one whole, or LOG_SETTLE_MS have passed.
   */
  private async readErrorLog(log: ErrorLogTail, serverCounter: number | null): Promise<void> {
    const giveUpAt = Date.now() + LOG_SETTLE_MS;
    let text = '';
    for (;;) {
      const added = log.readLines();
      text += added;
      if (added !== '') this.fromErrorLog = parseErrorLogDeadlocks(text);
      const lastWhole = this.fromErrorLog.at(-1)?.victim !== null;
      if (lastWhole && (serverCounter === null || this.fromErrorLog.length >= serverCounter)) break;
      if (Date.now() >= giveUpAt) {
        this.logGaps.push(`still missing ${LOG_SETTLE_MS / 1000} s after the run${lastWhole ? '' : ', the last dump unfinished'}`);
        break;
      }
      await sleep(LOG_RECHECK_MS);
    }
    if (log.shrank) this.logGaps.push(`${log.path} got shorter during the run (rotated or truncated): dumps written before that are lost`);
  }

  /**
   * It may have gone OFF while the run went: a server restart brings back the configured value, and
   * another session (another capture restoring its OFF) may have switched it off.
   */
  private async checkPrintAllStillOn(): Promise<void> {
    try {
      this.connection ??= await this.connect();
      const [rows] = await this.connection.query('SELECT @@innodb_print_all_deadlocks AS printAll');
      if (Number((rows as Array<{ printAll: number | string }>)[0]?.printAll) !== 1) {
        this.logGaps.push('innodb_print_all_deadlocks was OFF at the end: a server restart or another session switched it off during the run, and deadlocks after that were not written');
      }
    } catch (error) {
      this.notes.push(`could not check innodb_print_all_deadlocks at the end: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async enableErrorLog(): Promise<void> {
    const control = this.connection ?? (this.connection = await this.connect());
    const [rows] = await control.query('SELECT @@log_error AS logError, @@datadir AS datadir, @@innodb_print_all_deadlocks AS printAll');
    const row = (rows as Array<{ logError: string; datadir: string; printAll: number | string }>)[0];
    if (!row) return;
    const path = row.logError && isAbsolute(row.logError) ? row.logError : row.logError ? join(row.datadir, row.logError) : '';
    let tail: ErrorLogTail;
    try {
      if (!path) throw new Error('log_error is empty (the server logs to stderr)');
      tail = new ErrorLogTail(path);
    } catch (error) {
      this.notes.push(`error log not read (${error instanceof Error ? error.message : String(error)}): only SHOW ENGINE INNODB STATUS polling, which can miss deadlocks`);
      return;
    }
    try {
      if (Number(row.printAll) !== 1) {
        // Journalled first; the journal's own connection sets it and puts it back (the capture's
        // may have died with a server restart, after which the variable is back at its configured value anyway).
        this.printAllChange = await this.journal.setGlobals({ innodb_print_all_deadlocks: 'ON' }, 'deadlock capture');
      }
      this.errorLog = tail;
    } catch (error) {
      if (error instanceof JournalBusy || error instanceof LeftoverChanges) {
        this.notes.push(`innodb_print_all_deadlocks left as it is (${error.message}): only status polling`);
        return;
      }
      this.notes.push(`cannot SET GLOBAL innodb_print_all_deadlocks (${error instanceof Error ? error.message : String(error)}): only status polling`);
    }
  }
}

/** The capture as a run hook: own connection, deadlocks.jsonl and deadlocks.txt in the run folder. */
export function deadlockCaptureHook(pollMs: number): RunHook<DeadlockCaptureSummary | undefined> {
  let capture: DeadlockCapture | null = null;
  // The server's count over the capture's own window (hook start to stop, around every worker's
  // connection): the run's status delta ends at the final sample, before the workers disconnect,
  // so a deadlock in flight after it was dumped and captured but not counted there.
  let deadlocksAtStart: number | null = null;
  const deadlocksNow = async (ctx: HookContext): Promise<number | null> => {
    const control = await connectControl(ctx.connection);
    try {
      const [rows] = await control.query("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'");
      const value = Number((rows as Array<{ Value: string }>)[0]?.Value);
      return Number.isFinite(value) ? value : null;
    } finally {
      await control.end().catch(() => undefined);
    }
  };
  return {
    name: 'deadlockCapture',
    connections: 1,
    async start(ctx: HookContext) {
      deadlocksAtStart = await deadlocksNow(ctx).catch(() => null);
      capture = new DeadlockCapture(await connectControl(ctx.connection), () => connectControl(ctx.connection), pollMs, serverJournal(ctx.connection));
      await capture.start();
    },
    async stop(ctx: HookStopContext) {
      if (!capture) return undefined;
      const atStop = deadlocksAtStart === null ? null : await deadlocksNow(ctx).catch(() => null);
      const serverCounter = atStop !== null && deadlocksAtStart !== null && atStop >= deadlocksAtStart ? atStop - deadlocksAtStart : (ctx.statusDelta.Innodb_deadlocks ?? null);
      try {
        await capture.stop(serverCounter);
      } catch (error) {
        capture.notes.push(`capture ended badly: ${error instanceof Error ? error.message : String(error)}`);
      }
      ctx.folder.writeAtomic('deadlocks.jsonl', capture.jsonLines() + '\n');
      ctx.folder.writeAtomic('deadlocks.txt', capture.text() + '\n');
      await capture.end();
      return capture.summary(serverCounter);
    },
    summaryOf: (report) => (report ? { deadlockCapture: report } : {}),
  };
}
