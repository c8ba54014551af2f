/** The final summary as a person reads it, beside the run.json a program reads. */
import type { Accounting, MachineNoiseSummary, RunFile } from '../results/types.js';
import { clusterSummaryLines, listedOps } from './clusterText.js';

export function summaryText(run: RunFile): string {
  const s = run.summary;
  if (!s) return `run ${run.runId}: ${run.state}${run.error ? `: ${run.error}` : ''}`;
  const perSec = (n: number): string => (n / Math.max(s.elapsedSec, 0.001)).toFixed(1);
  const lines = [
    `run ${run.runId} ${run.state} (${s.endReason}) after ${s.elapsedSec.toFixed(1)}s${run.environment.driver ? `, driver ${run.environment.driver.name} ${run.environment.driver.version}` : ''}`,
    `  ops: ${s.ops} (${s.opsPerSec.toFixed(1)}/s), rows: ${s.rows} (${perSec(s.rows)}/s)${s.bytes ? `, bytes read: ${(s.bytes / 1048576).toFixed(1)} MiB (${(s.bytes / 1048576 / Math.max(s.elapsedSec, 0.001)).toFixed(1)} MiB/s)` : ''}, attempts: ${s.attempts}`,
    ...(s.clientCpuSec !== undefined && s.ops > 0 ? [`  client CPU: ${s.clientCpuSec.toFixed(2)} s (${((s.clientCpuSec / s.ops) * 1000).toFixed(4)} s per 1000 ops)`] : []),
    `  latency ms: p50 ${s.latencyMs.p50} p95 ${s.latencyMs.p95} p99 ${s.latencyMs.p99} max ${s.latencyMs.max}`,
    `  harness: commits ${s.commits}, ROLLBACKs sent ${s.rollbacks}, retries ${s.retries}, deadlocks ${s.deadlocks}, lock-wait timeouts ${s.lockWaitTimeouts}, exhausted ${s.exhausted}, reconnects ${s.reconnects}`,
    ...(s.dropped ? [`  dropped (open loop, no idle worker when due): ${s.dropped}`] : []),
    `  errors: ${s.errors}${Object.keys(s.errorsByCode).length ? ` ${JSON.stringify(s.errorsByCode)}` : ''}`,
  ];
  if (listedOps(Object.keys(s.byOp)).length > 1) {
    for (const [op, o] of Object.entries(s.byOp)) if (listedOps([op]).length) lines.push(`  ${op}: ${o.ops} ops (${o.opsPerSec.toFixed(1)}/s) p95 ${o.latencyMs.p95} ms, errors ${o.errors}${o.deadlocks ? `, deadlocks ${o.deadlocks}` : ''}`);
  }
  const d = run.status?.delta;
  if (d) {
    const show = (name: string): string => `${name} ${d[name] ?? 'n/a'}`;
    lines.push(`  server: ${['Com_insert', 'Com_commit', 'Com_rollback', 'Innodb_deadlocks', 'Innodb_row_lock_waits', 'Innodb_log_waits', 'Innodb_data_fsyncs', 'Handler_write'].map(show).join(', ')}`);
    lines.push(`  server: Innodb_os_log_written ${d.Innodb_os_log_written ?? 'n/a'} bytes; Com_rollback counts client ROLLBACKs, Innodb_deadlocks the victims InnoDB rolled back itself`);
    const requests = d.Innodb_buffer_pool_read_requests ?? 0;
    if (requests > 0) {
      const diskReads = d.Innodb_buffer_pool_reads ?? 0;
      lines.push(`  buffer pool: ${requests} read requests, ${diskReads} from disk: hit ratio ${((1 - diskReads / requests) * 100).toFixed(2)} %`);
    }
    if (run.status?.resets) lines.push(`  server restarted ${run.status.resets} time(s) during the run: counters were taken from zero after each restart`);
  }
  if (s.accounting) lines.push(`  ${accountingLine(s.accounting)}`);
  if (s.switchback) lines.push(`  ${s.switchback.text} (${s.switchback.flips} changes of ${s.switchback.setting}, the slowest took ${s.switchback.slowestFlipMs} ms)`);
  // A scenario whose verification has nothing to check (a script without \check) says nothing.
  if (s.verification && (s.verification.checks.length || !s.verification.ok)) {
    lines.push(`  verification: ${s.verification.ok ? 'PASS' : 'FAIL'}`);
    for (const check of s.verification.checks) lines.push(`    ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
  }
  const dc = s.deadlockCapture;
  if (dc) {
    lines.push(
      `  deadlocks captured: ${dc.captured} (status polling ${dc.fromInnodbStatus}, error log ${dc.fromErrorLog}) vs server Innodb_deadlocks ${dc.serverCounter ?? 'n/a'}` +
        `${dc.missed ? `: ${dc.missed} missed` : ''}; ${dc.shapes.length} distinct shape(s)`,
    );
    for (const note of dc.notes) lines.push(`    note: ${note}`);
  }
  if (s.machine) lines.push(`  ${machineLine(s.machine)}`);
  lines.push(...clusterSummaryLines(run));
  const shards = run.rendezvous;
  if (shards) {
    lines.push(`  shards: ${shards.of} (set "${shards.setId}"), start skew ${shards.skewMs ?? 'unknown'} ms: ${shards.shards.map((s) => `${s.shard + 1}/${shards.of} ${s.host} ${s.startedAt ?? '?'} – ${s.endedAt ?? 'running'}`).join('; ')}`);
  }
  for (const outage of s.serverOutages ?? []) {
    lines.push(`  server unreachable from ${outage.from} to ${outage.to ?? 'the end of the run'}${outage.seconds !== null ? ` (${outage.seconds} s)` : ''}`);
  }
  if (run.error) lines.push(`  error: ${run.error}`);
  return lines.join('\n');
}

/** The accounting check in one line: a whole run's, a shard's (partial), or a merged set's. */
export function accountingLine(a: Accounting): string {
  const shard = a.scope?.startsWith('shard') ?? false;
  // A merged set's Com_insert is one shard's sampler's window: shown, but as what it is.
  const comInsert = a.scope && !shard ? `Com_insert in one shard's window ${a.comInsertDelta}` : `Com_insert ${a.comInsertDelta}`;
  return `accounting${a.scope ? ` (${a.scope})` : ''}: ${a.ok ? (shard ? 'partial' : 'ok') : 'MISMATCH'}: ${a.note} (harness ${a.harnessRows}, ${comInsert}, table +${a.tableRowsDelta})`;
}

/** A data directory on tmpfs or an overlay has a device (0:41) that /proc/diskstats does not list: say so, not "n/a". */
function diskText(m: MachineNoiseSummary): string {
  const d = m.diskBusyPct;
  if (d) return `disk ${m.disk ?? '(busiest)'} busy ${d.mean} % (max ${d.max} %)`;
  return m.disk ? `disk busy not measured (the data directory's device ${m.disk} is not a disk /proc/diskstats lists)` : 'disk busy not measured';
}

/** What else this machine was doing over the window, and the first disturbed intervals. */
export function machineLine(m: MachineNoiseSummary): string {
  const other = m.otherCpuPct ? `other processes used ${m.otherCpuPct.mean} % of a core on average (max ${m.otherCpuPct.max} % at ${m.otherCpuPct.maxAtSec.toFixed(0)}s)` : 'other processes: not measured';
  const share = (name: string, figure: MachineNoiseSummary['stealPct']): string => `${name} ${figure ? `${figure.mean} % (max ${figure.max} %)` : 'n/a'}`;
  const listed = m.disturbed.slice(0, 5).map((d) => `${d.atSec.toFixed(0)}s (${d.reason})`);
  const more = m.disturbedCount > listed.length ? `, and ${m.disturbedCount - listed.length} more` : '';
  return (
    `machine: ${other}; ${share('steal', m.stealPct)}; ${share('iowait', m.iowaitPct)}; ${diskText(m)}; ` +
    `${m.disturbedCount} intervals disturbed${m.disturbedCount ? `: ${listed.join(', ')}${more}` : ''}`
  );
}
