/**
 * Catches deadlocks while a run goes. Two sources: SHOW ENGINE INNODB STATUS polled often (it only
 * ever shows the latest deadlock, so some are missed under a storm), and, where the server is on
 * this machine and lets us, the error log with innodb_print_all_deadlocks ON for the run (every
 * deadlock, restored to its previous value afterwards). Each deadlock says which source caught it;
 * the server's Innodb_deadlocks delta says how many none caught.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { PromiseConnection } from '../db/connect.js';
import {
  extractLatestDeadlock,
  formatDeadlockText,
  parseDeadlock,
  parseErrorLogDeadlocks,
  summarizeShapes,
  type ParsedDeadlock,
} from '../analysis/deadlocks.js';
import type { DeadlockCaptureSummary } from '../results/types.js';
import { registerUndo } from '../db/globalsGuard.js';
import { connectControl } from '../db/connect.js';
import type { HookContext, HookStopContext, RunHook } from '../engine/runHooks.js';

export interface CapturedDeadlock extends ParsedDeadlock {
  sources: Array<'innodb-status' | 'error-log'>;
}

export class DeadlockCapture {
  private readonly byKey = new Map<string, CapturedDeadlock>();
  private lastSection = '';
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private undoPrintAll: (() => Promise<void>) | null = null;
  private errorLog: { path: string; offset: number } | null = null;
  readonly notes: string[] = [];

  /** Null after the server went away; the next poll reconnects (a restart must not end the capture). */
  private connection: PromiseConnection | null;

  constructor(
    connection: PromiseConnection,
    private readonly connect: () => Promise<PromiseConnection>,
    private readonly pollMs: number,
  ) {
    this.connection = connection;
  }

  async start(): Promise<void> {
    await this.enableErrorLog();
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
  }

  /** Stops polling, reads the error log, restores the server variable. Always call it (finally). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.poll();
    if (this.errorLog) {
      for (const d of parseErrorLogDeadlocks(readFrom(this.errorLog.path, this.errorLog.offset))) this.add(d, 'error-log');
    }
    await this.restore();
  }

  /** Puts innodb_print_all_deadlocks back as it was; safe to call twice. */
  async restore(): Promise<void> {
    const undo = this.undoPrintAll;
    this.undoPrintAll = null;
    if (undo) await undo();
  }

  /** Closes the capture's own connection. */
  async end(): Promise<void> {
    await this.connection?.end().catch(() => undefined);
  }

  deadlocks(): CapturedDeadlock[] {
    return [...this.byKey.values()];
  }

  summary(serverCounter: number | null): DeadlockCaptureSummary {
    const all = this.deadlocks();
    return {
      captured: all.length,
      fromInnodbStatus: all.filter((d) => d.sources.includes('innodb-status')).length,
      fromErrorLog: all.filter((d) => d.sources.includes('error-log')).length,
      serverCounter,
      missed: serverCounter === null ? null : Math.max(0, serverCounter - all.length),
      shapes: summarizeShapes(all).map(({ shape, count }) => ({ shape, count })),
      notes: this.notes,
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

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      this.connection ??= await this.connect();
      const [rows] = await this.connection.query('SHOW ENGINE INNODB STATUS');
      const status = (rows as Array<{ Status: string }>)[0]?.Status ?? '';
      const section = extractLatestDeadlock(status);
      if (section && section !== this.lastSection) {
        this.lastSection = section;
        this.add(parseDeadlock(section, 'innodb-status'), 'innodb-status');
      }
    } catch (error) {
      this.connection?.destroy();
      this.connection = null;
      const message = error instanceof Error ? error.message : String(error);
      if (!this.notes.includes(`SHOW ENGINE INNODB STATUS failed: ${message}`)) this.notes.push(`SHOW ENGINE INNODB STATUS failed: ${message}`);
    } finally {
      this.polling = false;
    }
  }

  /** The same deadlock read from both sources carries the same transaction ids. */
  private add(deadlock: ParsedDeadlock, source: 'innodb-status' | 'error-log'): void {
    const key = deadlock.transactions.map((t) => t.id).sort().join('/') || deadlock.time;
    const known = this.byKey.get(key);
    if (known) {
      if (!known.sources.includes(source)) known.sources.push(source);
      return;
    }
    this.byKey.set(key, { ...deadlock, sources: [source] });
  }

  private async enableErrorLog(): Promise<void> {
    const control = this.connection ?? (this.connection = await this.connect());
    const [rows] = await control.query('SELECT @@log_error AS logError, @@datadir AS datadir, @@innodb_print_all_deadlocks AS printAll');
    const row = (rows as Array<{ logError: string; datadir: string; printAll: number | string }>)[0];
    if (!row) return;
    const path = row.logError && isAbsolute(row.logError) ? row.logError : row.logError ? join(row.datadir, row.logError) : '';
    let offset: number;
    try {
      if (!path) throw new Error('log_error is empty (the server logs to stderr)');
      offset = statSync(path).size;
      closeSync(openSync(path, 'r'));
    } catch (error) {
      this.notes.push(`error log not read (${error instanceof Error ? error.message : String(error)}): only SHOW ENGINE INNODB STATUS polling, which can miss deadlocks`);
      return;
    }
    try {
      const previous = Number(row.printAll) === 1 ? 'ON' : 'OFF';
      if (previous === 'OFF') {
        await control.query('SET GLOBAL innodb_print_all_deadlocks = ON');
        this.undoPrintAll = registerUndo(async () => {
          // On a connection of its own: the capture's may have died with a server restart (after
          // which the variable is back at its configured value anyway).
          const fresh = await this.connect();
          try {
            await fresh.query('SET GLOBAL innodb_print_all_deadlocks = OFF');
          } finally {
            await fresh.end().catch(() => undefined);
          }
          this.notes.push('innodb_print_all_deadlocks set ON for the run, restored to OFF');
        });
      }
      this.errorLog = { path, offset };
    } catch (error) {
      this.notes.push(`cannot SET GLOBAL innodb_print_all_deadlocks (${error instanceof Error ? error.message : String(error)}): only status polling`);
    }
  }
}

function readFrom(path: string, offset: number): string {
  const size = statSync(path).size;
  if (size <= offset) return '';
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

/** The capture as a run hook: own connection, deadlocks.jsonl and deadlocks.txt in the run folder. */
export function deadlockCaptureHook(pollMs: number): RunHook {
  let capture: DeadlockCapture | null = null;
  return {
    name: 'deadlockCapture',
    connections: 1,
    async start(ctx: HookContext) {
      capture = new DeadlockCapture(await connectControl(ctx.connection), () => connectControl(ctx.connection), pollMs);
      await capture.start();
    },
    async stop(ctx: HookStopContext) {
      if (!capture) return undefined;
      try {
        await capture.stop();
      } catch (error) {
        capture.notes.push(`capture ended badly: ${error instanceof Error ? error.message : String(error)}`);
      }
      ctx.folder.writeAtomic('deadlocks.jsonl', capture.jsonLines() + '\n');
      ctx.folder.writeAtomic('deadlocks.txt', capture.text() + '\n');
      await capture.end();
      return capture.summary(ctx.statusDelta.Innodb_deadlocks ?? null);
    },
  };
}
