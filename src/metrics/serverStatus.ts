/**
 * The server's own counters, read with SHOW GLOBAL STATUS on a connection of their own, turned
 * into deltas between samples. Counters that a restart resets (Uptime went down) are taken from
 * zero, never as a negative delta.
 */
import type { PromiseConnection } from '../db/connect.js';

/** Counters reported as deltas; the ones a server lacks (e.g. Innodb_rows_inserted on MariaDB) are skipped. */
export const TRACKED_COUNTERS = [
  'Com_insert',
  'Com_select',
  'Com_update',
  'Com_delete',
  'Com_commit',
  'Com_rollback',
  'Com_stmt_execute',
  'Com_stmt_prepare',
  'Questions',
  'Queries',
  'Handler_write',
  'Handler_commit',
  'Handler_rollback',
  'Innodb_rows_inserted',
  'Innodb_rows_read',
  'Innodb_log_waits',
  'Innodb_log_writes',
  'Innodb_os_log_written',
  'Innodb_os_log_fsyncs',
  'Innodb_data_fsyncs',
  'Innodb_data_written',
  'Innodb_buffer_pool_reads',
  'Innodb_buffer_pool_read_requests',
  'Innodb_buffer_pool_wait_free',
  'Innodb_buffer_pool_pages_flushed',
  'Innodb_row_lock_waits',
  'Innodb_row_lock_time',
  'Innodb_deadlocks',
  'Bytes_received',
  'Bytes_sent',
] as const;

/**
 * Levels, not counts. Checkpoint age against its maximum (MariaDB's Innodb_checkpoint_age and
 * Innodb_checkpoint_max_age) and dirty pages say whether a run reached the steady state the redo
 * size is about (analysis/verdicts/steadyState.ts); MySQL lacks the checkpoint gauges and leaves them empty.
 */
export const TRACKED_GAUGES = [
  'Threads_connected',
  'Threads_running',
  'Innodb_checkpoint_age',
  'Innodb_checkpoint_max_age',
  'Innodb_buffer_pool_pages_dirty',
  'Innodb_buffer_pool_pages_total',
] as const;

/** Status values that are words, kept as text (a Galera node's state); absent on other servers. */
const TRACKED_TEXTS = ['wsrep_cluster_status', 'wsrep_local_state_comment'] as const;

export interface StatusSample {
  /** ms since the epoch when the answer arrived. */
  at: number;
  uptime: number;
  values: Map<string, number>;
  /** The TRACKED_TEXTS the server has. */
  texts?: Record<string, string>;
}

export interface StatusDelta {
  seconds: number;
  delta: Record<string, number>;
  gauges: Record<string, number>;
  /** The server restarted between the two samples. */
  reset: boolean;
}

export async function sampleStatus(connection: PromiseConnection): Promise<StatusSample> {
  const [rows] = await connection.query('SHOW GLOBAL STATUS');
  const values = new Map<string, number>();
  const texts: Record<string, string> = {};
  for (const row of rows as Array<{ Variable_name: string; Value: string }>) {
    const value = Number(row.Value);
    if (row.Value !== '' && Number.isFinite(value)) values.set(row.Variable_name, value);
    else if ((TRACKED_TEXTS as readonly string[]).includes(row.Variable_name)) texts[row.Variable_name] = row.Value;
  }
  return { at: Date.now(), uptime: values.get('Uptime') ?? 0, values, texts };
}

export function statusDelta(before: StatusSample, after: StatusSample): StatusDelta {
  // Uptime must have grown by the time between the samples; less (with 2 s of slack) means the
  // server restarted, even when it was down longer than it had been up before.
  const reset = after.uptime + 2 < before.uptime + (after.at - before.at) / 1000;
  const delta: Record<string, number> = {};
  for (const name of TRACKED_COUNTERS) {
    const now = after.values.get(name);
    if (now === undefined) continue;
    // After a restart the counters count from zero again, so what they hold is the delta since then.
    delta[name] = reset ? now : Math.max(0, now - (before.values.get(name) ?? 0));
  }
  const gauges: Record<string, number> = {};
  for (const name of TRACKED_GAUGES) {
    const now = after.values.get(name);
    if (now !== undefined) gauges[name] = now;
  }
  return { seconds: Math.max(0.001, (after.at - before.at) / 1000), delta, gauges, reset };
}

export function addDeltas(into: Record<string, number>, more: Record<string, number>): Record<string, number> {
  for (const [name, value] of Object.entries(more)) into[name] = (into[name] ?? 0) + value;
  return into;
}

export function ratesPerSecond(delta: Record<string, number>, seconds: number): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const [name, value] of Object.entries(delta)) rates[name] = Math.round((value / seconds) * 100) / 100;
  return rates;
}
