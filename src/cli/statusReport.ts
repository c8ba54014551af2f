/**
 * `innobench status-report <run-dir>`: the seed's awk script over a status capture. Reads
 * status-capture/global-status.txt (written by the statusCapture hook; the seed's own
 * `TS … <uptime output>` files parse too) and prints one line per interval with the load average
 * and the per-second rates of Com_insert, Com_select, Questions, Queries and Com_stmt_execute,
 * computed from the deltas between consecutive samples. A counter that went down (server restart,
 * FLUSH STATUS) counts from zero again: its delta is its new value, and the line is marked.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { CliError, EXIT_FAILED } from './exit.js';

export const REPORT_COUNTERS = ['Com_insert', 'Com_select', 'Questions', 'Queries', 'Com_stmt_execute'] as const;

export interface CaptureSample {
  /** Seconds since the epoch, from the TS line. */
  ts: number;
  /** The TS line's date and time as written. */
  when: string;
  /** 1-minute load average, when the TS line carries one. */
  load: number | null;
  values: Map<string, number>;
}

export interface IntervalRates {
  ts: number;
  when: string;
  load: number | null;
  seconds: number;
  /** Per second, over the interval that ends at this sample. */
  rates: Record<string, number | null>;
  deltas: Record<string, number | null>;
  /** Counters that went down since the previous sample (restart or FLUSH STATUS). */
  resets: string[];
}

export interface StatusReport {
  intervals: IntervalRates[];
  totals: Record<string, number>;
  seconds: number;
  /** Queries / Com_insert over the whole capture; null without inserts. */
  queriesPerInsert: number | null;
}

const TS_LINE = /^TS\s+(\d+(?:\.\d+)?)\s+(.*)$/;

/** Parses a capture: "TS <epoch.sec> <date…>" lines, each followed by "name<TAB or spaces>value" rows. */
export function parseGlobalStatusCapture(text: string): CaptureSample[] {
  const samples: CaptureSample[] = [];
  let current: CaptureSample | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const ts = TS_LINE.exec(line);
    if (ts) {
      const rest = ts[2]!;
      current = { ts: Number(ts[1]), when: whenOf(rest), load: loadOf(rest), values: new Map() };
      samples.push(current);
      continue;
    }
    if (!current) continue;
    const row = /^([A-Za-z_][A-Za-z0-9_]*)\s+(-?\d+(?:\.\d+)?)$/.exec(line);
    if (row) current.values.set(row[1]!, Number(row[2]));
  }
  return samples;
}

/** Our "… load: a b c" or uptime's "… load average: a, b, c": the 1-minute figure. */
function loadOf(rest: string): number | null {
  const match = /load(?: average)?:\s*(\d+(?:\.\d+)?)/.exec(rest);
  return match ? Number(match[1]) : null;
}

function whenOf(rest: string): string {
  const iso = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(rest);
  if (iso) return `${iso[1]} ${iso[2]}`;
  const plain = /^(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2}:\d{2})/.exec(rest);
  return plain ? `${plain[1]} ${plain[2]}` : rest.split(/\s+/).slice(0, 2).join(' ');
}

export function statusReport(samples: CaptureSample[], counters: readonly string[] = REPORT_COUNTERS): StatusReport {
  const intervals: IntervalRates[] = [];
  const totals: Record<string, number> = Object.fromEntries(counters.map((name) => [name, 0]));
  let seconds = 0;
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1]!;
    const after = samples[i]!;
    const elapsed = after.ts - before.ts;
    const restarted = (after.values.get('Uptime') ?? Infinity) < (before.values.get('Uptime') ?? -Infinity);
    const rates: Record<string, number | null> = {};
    const deltas: Record<string, number | null> = {};
    const resets: string[] = [];
    for (const name of counters) {
      const now = after.values.get(name);
      const then = before.values.get(name);
      if (now === undefined || then === undefined || !(elapsed > 0)) {
        rates[name] = null;
        deltas[name] = null;
        continue;
      }
      // After a reset the counter counts from zero again, so its value is the delta since then.
      const reset = restarted || now < then;
      if (reset) resets.push(name);
      const delta = reset ? now : now - then;
      deltas[name] = delta;
      rates[name] = delta / elapsed;
      totals[name] = (totals[name] ?? 0) + delta;
    }
    if (elapsed > 0) seconds += elapsed;
    intervals.push({ ts: after.ts, when: after.when, load: after.load, seconds: elapsed, rates, deltas, resets });
  }
  const inserts = totals.Com_insert ?? 0;
  return { intervals, totals, seconds, queriesPerInsert: inserts > 0 ? (totals.Queries ?? 0) / inserts : null };
}

export function formatStatusReport(report: StatusReport, counters: readonly string[] = REPORT_COUNTERS): string {
  const header = ['ts', 'time', 'load', 'secs', ...counters.map((name) => `${name}/s`)];
  const rows = report.intervals.map((interval) => [
    interval.ts.toFixed(3),
    interval.when.split(' ')[1] ?? interval.when,
    interval.load === null ? '-' : interval.load.toFixed(2),
    interval.seconds.toFixed(2),
    ...counters.map((name) => {
      const rate = interval.rates[name];
      return rate === null || rate === undefined ? '-' : `${rate.toFixed(2)}${interval.resets.includes(name) ? '*' : ''}`;
    }),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (report.intervals.some((interval) => interval.resets.length)) out.push('* the counter went down (server restart or FLUSH STATUS): counted from zero for that interval');
  const mean = (name: string): string => (report.seconds > 0 ? ((report.totals[name] ?? 0) / report.seconds).toFixed(2) : '-');
  out.push(`over ${report.seconds.toFixed(1)} s: ${counters.map((name) => `${name} ${report.totals[name] ?? 0} (${mean(name)}/s)`).join(', ')}`);
  out.push(queriesNote(report));
  return out.join('\n');
}

/** The closing explanation, with the ratio this capture measured. */
export function queriesNote(report: StatusReport): string {
  const ratio = report.queriesPerInsert;
  const measured =
    ratio === null
      ? 'this capture has no inserts (Com_insert did not move), so it has no Queries/Com_insert ratio'
      : `measured here: Queries/Com_insert = ${ratio.toFixed(2)}`;
  return (
    `${measured}. Com_insert is the true insert rate. Queries counts every command packet, COM_STMT_PREPARE/EXECUTE/CLOSE included ` +
    `(Questions leaves out PREPARE and CLOSE), so with server-side prepared statements Queries is several × Com_insert: a client that ` +
    `prepares, executes and closes each statement (Go's database/sql without an explicit Prepare, as in the seed, which saw ≈ 4×) ` +
    `sends three packets per insert, plus BEGIN/COMMIT; a client that prepares once and re-executes (innobench's workers) stays near 1×.`
  );
}

/** The capture file of a run folder, or the path itself when it names a file. */
export function captureFileOf(path: string): string {
  if (existsSync(path) && statSync(path).isFile()) return path;
  return join(path, 'status-capture', 'global-status.txt');
}

export function statusReportCommand(yargs: Argv): Argv {
  return yargs.command(
    'status-report <run-dir>',
    'per-interval rates from a run\'s status capture (status-capture/global-status.txt)',
    (y) =>
      y
        .positional('run-dir', { describe: 'a run folder (results/<run-id>) or a global-status.txt file', type: 'string', demandOption: true })
        .options({ json: { type: 'boolean', default: false, describe: 'print the report as JSON' } }),
    (argv) => {
      const file = captureFileOf(String(argv['run-dir']));
      if (!existsSync(file)) {
        throw new CliError(`${file}: no status capture here (run with the status capture on, e.g. --status-capture 1s)`, EXIT_FAILED);
      }
      const samples = parseGlobalStatusCapture(readFileSync(file, 'utf8'));
      if (samples.length < 2) throw new CliError(`${file}: ${samples.length} sample(s); rates need at least two`, EXIT_FAILED);
      const report = statusReport(samples);
      if (argv.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else process.stdout.write(formatStatusReport(report) + '\n');
    },
  );
}
