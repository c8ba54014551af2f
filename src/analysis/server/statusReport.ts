/**
 * A status capture (status-capture/global-status.txt, written by the statusCapture hook; the
 * seed's own `TS … <uptime output>` files parse too) read back as per-interval rates of
 * Com_insert, Com_select, Questions, Queries and Com_stmt_execute, from the deltas between
 * consecutive samples. A counter that went down (server restart, FLUSH STATUS) counts from zero
 * again: its delta is its new value, and the interval says so.
 */

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
