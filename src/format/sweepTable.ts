/** The table that closes a sweep: one row per value, the figures that decide between them. */
import type { RunFile } from '../results/types.js';

export function sweepTable(option: string, runs: RunFile[], values: string[]): string {
  const header = [option, 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'commits/s', 'ROLLBACKs/commit', 'deadlocks', 'Innodb_deadlocks', 'captured', 'verification'];
  const rows = runs.map((run, index) => {
    const s = run.summary;
    if (!s) return [values[index] ?? '?', run.state, '', '', '', '', '', '', '', '', ''];
    const perSec = (n: number): string => (s.elapsedSec > 0 ? (n / s.elapsedSec).toFixed(1) : '0');
    return [
      values[index] ?? '?',
      s.opsPerSec.toFixed(1),
      s.latencyMs.p50.toFixed(2),
      s.latencyMs.p95.toFixed(2),
      s.latencyMs.p99.toFixed(2),
      perSec(s.commits),
      s.commits ? (s.rollbacks / s.commits).toFixed(2) : '-',
      String(s.deadlocks),
      String(run.status?.delta.Innodb_deadlocks ?? 'n/a'),
      s.deadlockCapture ? String(s.deadlockCapture.captured) : '-',
      s.verification ? (s.verification.ok ? 'pass' : 'FAIL') : '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
