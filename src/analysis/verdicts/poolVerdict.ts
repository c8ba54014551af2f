/**
 * pool-check's verdict on its samples, the operations guide's checklist: a leak is seen when
 * checked-out connections grow to the pool limit over the samples, when connections remain checked
 * out after the load stopped and in-flight operations drained, when a pool starves (no operation
 * completes while tasks wait at the limit), or when sleeping connections exceed pool size ×
 * processes; any lost-connection ("gone away"), pool-timeout or too-many-connections error fails
 * the check; and the planned total, processes × pool size, must stay under 80 % of
 * max_connections. Errors are counted by db/errors' classes. Pure.
 */
import type { ErrorClass } from '../../db/errors.js';
import { leastSquaresSlope } from './stats.js';

export type ErrorCounts = Record<ErrorClass, number>;

export const ERROR_LABELS: Record<ErrorClass, string> = {
  'connection-lost': 'lost connection ("gone away", reset, timed out)',
  'pool-timeout': 'pool timeout',
  'too-many-connections': 'too many connections',
  deadlock: 'deadlock',
  'lock-wait-timeout': 'lock wait timeout',
  other: 'other',
};

export function emptyErrorCounts(): ErrorCounts {
  return { 'connection-lost': 0, 'pool-timeout': 0, 'too-many-connections': 0, deadlock: 0, 'lock-wait-timeout': 0, other: 0 };
}

export function totalErrors(counts: ErrorCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

export interface PoolSample {
  /** Seconds since the load started (negative: before it). */
  t: number;
  /** The server's Threads_connected (every client, not only ours). */
  threadsConnected: number;
  /** Our user's connections to our database, the sampler excluded. */
  own: number;
  /** Of those, in COMMAND Sleep. */
  sleeping: number;
  /** Per pool: connections checked out (in use or leaked). */
  checkedOut: number[];
  /** Per pool: connections open. */
  open: number[];
  /** Per pool: tasks waiting for a connection (counted by the workload). */
  waiting: number[];
  /** Operations completed since the previous sample. */
  ops: number;
  /** Errors since the previous sample. */
  errors: number;
}

export interface VerdictInput {
  poolSize: number;
  processes: number;
  maxConnections: number | null;
  /** The samples taken while the load ran. */
  samples: readonly PoolSample[];
  /** Checked-out and sleeping connections once the load stopped and in-flight operations finished. */
  afterDrain: Pick<PoolSample, 'checkedOut' | 'sleeping'>;
  errors: ErrorCounts;
}

export interface Finding {
  check: string;
  ok: boolean;
  detail: string;
}

export interface PoolVerdict {
  healthy: boolean;
  leak: boolean;
  /** Connections never returned (checked out after the drain). */
  leakCount: number;
  findings: Finding[];
}

export const BUDGET_FRACTION = 0.8;

/**
 * Growth of one pool's checked-out count, either
 *  - to the limit: a positive slope, the last samples (up to 2) at the pool limit, and the first
 *    half of the run below it at least once (a pool busy at its limit from the start is saturated,
 *    not leaking: the drain check decides that case); or
 *  - steadily: never decreasing, rising by at least max(2, 20 % of the limit) over the run.
 */
export function checkedOutGrowth(samples: readonly PoolSample[], pool: number, limit: number): { grew: boolean; slopePerSec: number; from: number; to: number } {
  const ys = samples.map((s) => s.checkedOut[pool] ?? 0);
  const xs = samples.map((s) => s.t);
  const perSec = leastSquaresSlope(xs, ys);
  const from = ys[0] ?? 0;
  const to = ys[ys.length - 1] ?? 0;
  if (ys.length < 3 || perSec <= 0) return { grew: false, slopePerSec: perSec, from, to };
  const tail = ys.slice(-2);
  const head = ys.slice(0, Math.floor(ys.length / 2));
  const toLimit = tail.every((y) => y >= limit) && Math.min(...head) < limit;
  const steady = ys.every((y, k) => k === 0 || y >= ys[k - 1]!) && perSec * (xs[xs.length - 1]! - xs[0]!) >= Math.max(2, 0.2 * limit);
  return { grew: toLimit || steady, slopePerSec: perSec, from, to };
}

export function poolVerdict(input: VerdictInput): PoolVerdict {
  const findings: Finding[] = [];
  const { poolSize, processes, samples } = input;
  const total = poolSize * processes;

  // 1. Checked-out connections growing to the limit.
  const grown: string[] = [];
  for (let p = 0; p < processes; p++) {
    const g = checkedOutGrowth(samples, p, poolSize);
    if (g.grew) grown.push(`pool ${p + 1}: ${g.from} → ${g.to} (+${g.slopePerSec.toFixed(2)}/s)`);
  }
  findings.push({
    check: 'checked-out connections do not grow',
    ok: grown.length === 0,
    detail: grown.length ? `grew (limit ${poolSize}): ${grown.join('; ')}` : `no pool's count grew over ${samples.length} samples`,
  });

  // 2. Connections still checked out once the load stopped and in-flight operations finished.
  const leakCount = input.afterDrain.checkedOut.reduce((a, b) => a + b, 0);
  findings.push({
    check: 'every connection returned after the load',
    ok: leakCount === 0,
    detail: leakCount ? `${leakCount} connection(s) still checked out after the drain (${input.afterDrain.checkedOut.join(' + ')}): never released` : 'all returned',
  });

  // 3. A pool starved: nothing completed in the last sample while tasks waited at the limit.
  const last = samples[samples.length - 1];
  const starved = last ? last.checkedOut.map((c, p) => (c >= poolSize && (last.waiting[p] ?? 0) > 0 && last.ops === 0 ? p + 1 : 0)).filter(Boolean) : [];
  findings.push({
    check: 'no pool starved',
    ok: starved.length === 0,
    detail: starved.length ? `pool(s) ${starved.join(', ')}: all ${poolSize} connections checked out, tasks waiting, no operation completed in the last second` : 'operations kept completing',
  });

  // 4. Sleeping connections within the pools' size (the guide's `grep Sleep | wc -l`).
  const maxSleeping = Math.max(input.afterDrain.sleeping, ...samples.map((s) => s.sleeping));
  findings.push({
    check: `sleeping connections ≤ pool size × processes (${total})`,
    ok: maxSleeping <= total,
    detail: `at most ${maxSleeping} sleeping`,
  });

  // 5. Errors.
  const errorTotal = totalErrors(input.errors);
  const listed = (Object.keys(input.errors) as ErrorClass[]).filter((k) => input.errors[k] > 0).map((k) => `${ERROR_LABELS[k]} ${input.errors[k]}`);
  findings.push({ check: 'no gone-away / lost-connection / pool-timeout errors', ok: errorTotal === 0, detail: errorTotal ? listed.join(', ') : 'none' });

  // 6. Budget: processes × pool size under 80 % of max_connections.
  if (input.maxConnections !== null) {
    const budget = BUDGET_FRACTION * input.maxConnections;
    findings.push({
      check: `processes × pool size < ${BUDGET_FRACTION * 100} % of max_connections`,
      ok: total < budget,
      detail: `${processes} × ${poolSize} = ${total} ${total < budget ? '<' : '≥'} ${budget.toFixed(0)} (${BUDGET_FRACTION * 100} % of ${input.maxConnections})`,
    });
  }

  const leak = !findings[0]!.ok || !findings[1]!.ok || !findings[2]!.ok || !findings[3]!.ok;
  return { healthy: findings.every((f) => f.ok), leak, leakCount, findings };
}
