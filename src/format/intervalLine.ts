/**
 * Formatters of an interval record: the console line (sysbench's --report-interval style) and
 * the CSV rows of timeline.csv and status.csv.
 */
import type { IntervalStats } from '../metrics/intervalStats.js';
import { TRACKED_COUNTERS, TRACKED_GAUGES } from '../metrics/serverStatus.js';
import { clusterLine } from './clusterText.js';

const fixed = (value: number, digits = 2): string => value.toFixed(digits);

export function consoleLine(stats: IntervalStats): string {
  const { all } = stats;
  const perSec = (n: number): string => fixed(n / stats.seconds);
  let line =
    `[ ${fixed(stats.elapsedSec, 0)}s ] ops/s: ${fixed(all.opsPerSec, 1)}` +
    ` lat ms p50/p95/p99/max: ${fixed(all.latencyMs.p50)}/${fixed(all.latencyMs.p95)}/${fixed(all.latencyMs.p99)}/${fixed(all.latencyMs.max)}` +
    ` err/s: ${perSec(all.counts.errors)} retry/s: ${perSec(all.counts.retries)}`;
  if (all.counts.deadlocks) line += ` deadlocks/s: ${perSec(all.counts.deadlocks)}`;
  if (all.counts.reconnects) line += ` reconnects: ${all.counts.reconnects}`;
  // Operations that gave up, or never started, are work the load did not do: shown whenever any.
  if (all.counts.exhausted) line += ` exhausted: ${all.counts.exhausted}`;
  if (all.counts.dropped) line += ` dropped: ${all.counts.dropped} (${perSec(all.counts.dropped)}/s)`;
  const status = stats.status;
  if (stats.arm !== undefined) line += ` [${stats.arm}]`;
  if (status) {
    const rate = (name: string): string => fixed((status.delta[name] ?? 0) / status.seconds, 1);
    // On a cluster the counters are the first node's, whose Com_insert counts every node's inserts.
    const server = stats.cluster ? `node ${stats.cluster.nodes[0]?.node} (Com_insert cluster-wide)` : 'server';
    line += ` | ${server} Com_insert/s: ${rate('Com_insert')} Com_commit/s: ${rate('Com_commit')} thr_run: ${status.gauges.Threads_running ?? '?'}`;
    line += steadyStateText(status);
    if (status.reset) line += ' (server restarted: counters reset)';
  } else line += ' | server: no sample';
  return line + clusterLine(stats);
}

/**
 * What says whether the run is in its steady state: checkpoint age as a share of its maximum,
 * dirty pages, pages flushed/s, log waits and fsyncs/s; empty where the server lacks the
 * checkpoint gauges (MySQL).
 */
function steadyStateText(status: NonNullable<IntervalStats['status']>): string {
  const age = status.gauges.Innodb_checkpoint_age;
  const max = status.gauges.Innodb_checkpoint_max_age;
  if (age === undefined || max === undefined || max <= 0) return '';
  const rate = (name: string): string => fixed((status.delta[name] ?? 0) / status.seconds, 0);
  return (
    ` ckpt: ${fixed((100 * age) / max, 0)}% dirty: ${status.gauges.Innodb_buffer_pool_pages_dirty ?? '?'}` +
    ` flushed/s: ${rate('Innodb_buffer_pool_pages_flushed')} fsyncs/s: ${rate('Innodb_data_fsyncs')} log_waits: ${status.delta.Innodb_log_waits ?? 0}`
  );
}

/** One row per operation type and one for all of them. */
export function timelineRows(stats: IntervalStats): Array<Record<string, string | number>> {
  const entries = Object.keys(stats.byOp).length > 1 ? [...Object.entries(stats.byOp), ['all', stats.all] as const] : [['all', stats.all] as const];
  return entries.map(([op, interval]) => ({
    seq: stats.seq,
    elapsed_s: Number(fixed(stats.elapsedSec, 3)),
    op,
    ops: interval.counts.ops,
    ops_per_s: Number(fixed(interval.opsPerSec)),
    p50_ms: interval.latencyMs.p50,
    p95_ms: interval.latencyMs.p95,
    p99_ms: interval.latencyMs.p99,
    max_ms: interval.latencyMs.max,
    attempts: interval.counts.attempts,
    errors: interval.counts.errors,
    retries: interval.counts.retries,
    deadlocks: interval.counts.deadlocks,
    lock_wait_timeouts: interval.counts.lockWaitTimeouts,
    commits: interval.counts.commits,
    rollbacks: interval.counts.rollbacks,
    reconnects: interval.counts.reconnects,
    rows: interval.counts.rows,
    dropped: interval.counts.dropped,
    client_rss_mb: stats.client?.rssMb ?? '',
    client_heap_mb: stats.client?.heapUsedMb ?? '',
    client_cpu_pct: stats.client?.cpuPct ?? '',
    client_loop_delay_p99_ms: stats.client?.loopDelayP99Ms ?? '',
    machine_other_cpu_pct: stats.machine?.otherCpuPct ?? '',
    machine_steal_pct: stats.machine?.stealPct ?? '',
    machine_iowait_pct: stats.machine?.iowaitPct ?? '',
    machine_disk_busy_pct: stats.machine?.diskBusyPct ?? '',
    ...(stats.arm === undefined ? {} : { arm: stats.arm }),
  }));
}

/** Counter deltas of one interval; every tracked name gets a column, empty when the server lacks it. */
export function statusRow(stats: IntervalStats): Record<string, string | number> | null {
  const status = stats.status;
  if (!status) return null;
  const row: Record<string, string | number> = {
    seq: stats.seq,
    elapsed_s: Number(fixed(stats.elapsedSec, 3)),
    seconds: Number(fixed(status.seconds, 3)),
    server_restarted: status.reset ? 1 : 0,
  };
  for (const name of TRACKED_COUNTERS) row[name] = status.delta[name] ?? '';
  for (const name of TRACKED_GAUGES) row[name] = status.gauges[name] ?? '';
  return row;
}
