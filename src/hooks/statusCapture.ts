/**
 * The seed's status script ("High Performance MySQL" style) as a run hook: every interval, a
 * timestamp line with the load average, then SHOW GLOBAL STATUS, SHOW ENGINE INNODB STATUS and
 * SHOW FULL PROCESSLIST, each appended to its own file under status-capture/ and headed by the
 * same TS line so the three can be lined up afterwards. `innobench status-report <run-dir>` turns
 * global-status.txt into per-interval rates.
 *
 * Samples run on fixed deadlines (start + n·interval); a sample still running when the next one is
 * due makes that one skipped rather than queued, so a slow server never gets a pile of SHOWs.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import type { HookContext, HookStopContext, RunHook } from '../engine/runHooks.js';
import type { RunFolder } from '../results/runFolder.js';
import { errorMessage as message } from '../db/errors.js';

export const STATUS_CAPTURE_DIR = 'status-capture';
export const GLOBAL_STATUS_FILE = `${STATUS_CAPTURE_DIR}/global-status.txt`;
export const INNODB_STATUS_FILE = `${STATUS_CAPTURE_DIR}/innodb-status.txt`;
export const PROCESSLIST_FILE = `${STATUS_CAPTURE_DIR}/processlist.txt`;

/** A processlist field longer than this is cut: Info of a feature insert carries 2 KB of binary. */
const MAX_FIELD_CHARS = 1024;

export interface StatusCaptureSummary {
  samples: number;
  files: string[];
  everyMs: number;
  /** Deadlines passed while the previous sample was still running. */
  skipped: number;
  errors: string[];
  notes: string[];
}

/** "TS <epoch.sec> <iso> load: a b c" — the header of one sample in every capture file. */
export function tsLine(atMs: number, load: number[] = loadavg()): string {
  const [a = 0, b = 0, c = 0] = load;
  return `TS ${(atMs / 1000).toFixed(3)} ${new Date(atMs).toISOString()} load: ${a.toFixed(2)} ${b.toFixed(2)} ${c.toFixed(2)}`;
}

/** One processlist value on one line: tabs, newlines and other control bytes escaped, long text cut. */
export function processlistField(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  let text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
  const extra = text.length - MAX_FIELD_CHARS;
  if (extra > 0) text = text.slice(0, MAX_FIELD_CHARS);
  text = text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  text = text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return extra > 0 ? `${text}…(+${extra} chars)` : text;
}

export class StatusCapture {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private startedAt = 0;
  private next = 1;
  private stopped = false;
  samples = 0;
  skipped = 0;
  readonly errors: string[] = [];

  constructor(
    private readonly connection: PromiseConnection,
    private readonly folder: RunFolder,
    private readonly everyMs: number,
  ) {}

  async start(): Promise<void> {
    mkdirSync(join(this.folder.dir, STATUS_CAPTURE_DIR), { recursive: true });
    this.startedAt = Date.now();
    await this.sample();
    this.schedule();
  }

  /** Stops the clock, waits for a sample in flight, then takes a last one so the capture covers the whole run. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight;
    await this.sample();
  }

  private schedule(): void {
    if (this.stopped) return;
    // Fixed deadlines: a late tick never shifts the ones after it; deadlines already passed are skipped.
    const now = Date.now();
    let due = this.startedAt + this.next * this.everyMs;
    while (due <= now) {
      this.next++;
      due = this.startedAt + this.next * this.everyMs;
    }
    this.timer = setTimeout(() => this.tick(), due - now);
  }

  private tick(): void {
    this.next++;
    if (this.inFlight) this.skipped++;
    else void this.sample();
    this.schedule();
  }

  private sample(): Promise<void> {
    const run = this.takeSample().finally(() => {
      this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  private async takeSample(): Promise<void> {
    const at = Date.now();
    const header = tsLine(at);
    try {
      const [status] = await this.connection.query('SHOW GLOBAL STATUS');
      const lines = (status as Array<{ Variable_name: string; Value: string }>).map((row) => `${row.Variable_name}\t${row.Value}`);
      this.folder.appendLine(GLOBAL_STATUS_FILE, [header, ...lines].join('\n'));
      this.samples++;
    } catch (error) {
      this.note(`SHOW GLOBAL STATUS failed: ${message(error)}`);
    }
    try {
      const [innodb] = await this.connection.query('SHOW ENGINE INNODB STATUS');
      const text = (innodb as Array<{ Status?: string }>)[0]?.Status ?? '';
      this.folder.appendLine(INNODB_STATUS_FILE, `${header}\n${text.trimEnd()}`);
    } catch (error) {
      this.note(`SHOW ENGINE INNODB STATUS failed: ${message(error)}`);
    }
    try {
      const [rows, fields] = await this.connection.query({ sql: 'SHOW FULL PROCESSLIST', rowsAsArray: true });
      const names = (fields ?? []).map((field) => field.name);
      const lines = (rows as unknown[][]).map((row) => row.map(processlistField).join('\t'));
      this.folder.appendLine(PROCESSLIST_FILE, [header, names.join('\t'), ...lines].join('\n'));
    } catch (error) {
      this.note(`SHOW FULL PROCESSLIST failed: ${message(error)}`);
    }
  }

  private note(line: string): void {
    // A dead connection fails every sample: keep each distinct message once.
    if (!this.errors.includes(line)) this.errors.push(line);
  }
}

/**
 * The status capture as a run hook (one connection of its own). The load average is this
 * (client) host's, from os.loadavg(): it is the server's only when both run on one machine.
 */
export function statusCaptureHook(everyMs: number): RunHook {
  if (!Number.isFinite(everyMs) || everyMs < 100) throw new Error(`status capture interval ${everyMs} ms: must be at least 100 ms`);
  let capture: StatusCapture | null = null;
  let connection: PromiseConnection | null = null;
  return {
    name: 'statusCapture',
    connections: 1,
    async start(ctx: HookContext) {
      connection = await connectControl(ctx.connection);
      capture = new StatusCapture(connection, ctx.folder, everyMs);
      await capture.start();
    },
    async stop(_ctx: HookStopContext): Promise<StatusCaptureSummary | undefined> {
      if (!capture) return undefined;
      try {
        await capture.stop();
      } finally {
        await connection?.end().catch(() => undefined);
      }
      return {
        samples: capture.samples,
        files: [GLOBAL_STATUS_FILE, INNODB_STATUS_FILE, PROCESSLIST_FILE],
        everyMs,
        skipped: capture.skipped,
        errors: capture.errors,
        notes: [`load average is this client host's (os.loadavg()); rates: innobench status-report <run-dir>`],
      };
    },
  };
}
