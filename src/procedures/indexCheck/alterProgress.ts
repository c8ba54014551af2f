/**
 * Runs an ALTER TABLE while a second connection reads its progress every second from
 * information_schema.PROCESSLIST (MariaDB's STAGE / MAX_STAGE / PROGRESS; STATE elsewhere).
 */
import type { PromiseConnection } from '../../db/connect.js';
import { select } from './catalog.js';

export interface AlterProgress {
  index: string;
  table: string;
  seconds: number;
  stage?: number;
  maxStage?: number;
  progressPct?: number;
  state: string;
}

/** Whether information_schema.PROCESSLIST has MariaDB's STAGE/MAX_STAGE/PROGRESS columns. */
async function hasProgressColumns(connection: PromiseConnection): Promise<boolean> {
  const rows = await select<{ n: number }>(
    connection,
    `SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'PROCESSLIST' AND COLUMN_NAME IN ('STAGE', 'MAX_STAGE', 'PROGRESS')`,
  );
  return Number(rows[0]?.n ?? 0) === 3;
}

/**
 * Runs `sql` on `worker` while `monitor` reads the worker's PROCESSLIST row every `everyMs`
 * (STAGE/MAX_STAGE/PROGRESS on MariaDB, TIME/STATE elsewhere) and hands it to `onProgress`.
 */
export async function runWithProgress(
  worker: PromiseConnection,
  monitor: PromiseConnection,
  sql: string,
  label: { index: string; table: string },
  onProgress: (p: AlterProgress) => void,
  everyMs = 1000,
): Promise<number> {
  const mariaProgress = await hasProgressColumns(monitor);
  const id = worker.threadId;
  const started = performance.now();
  let running = true;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const poll = async (): Promise<void> => {
    while (running) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, everyMs);
      });
      if (!running) break;
      const rows = await select<Record<string, unknown>>(
        monitor,
        mariaProgress
          ? 'SELECT STAGE AS stage, MAX_STAGE AS maxStage, PROGRESS AS progress, STATE AS state FROM information_schema.PROCESSLIST WHERE ID = ?'
          : 'SELECT STATE AS state FROM information_schema.PROCESSLIST WHERE ID = ?',
        [id],
      ).catch(() => []);
      const row = rows[0];
      if (!row || !running) continue;
      onProgress({
        ...label,
        seconds: (performance.now() - started) / 1000,
        state: String(row.state ?? ''),
        ...(mariaProgress ? { stage: Number(row.stage), maxStage: Number(row.maxStage), progressPct: Number(row.progress) } : {}),
      });
    }
  };
  const polling = poll();
  try {
    await worker.query(sql);
  } finally {
    running = false;
    clearTimeout(timer);
    wake?.();
    await polling;
  }
  return (performance.now() - started) / 1000;
}

export function formatProgress(p: AlterProgress): string {
  const stage = p.stage !== undefined && p.maxStage ? `stage ${p.stage}/${p.maxStage}, ${(p.progressPct ?? 0).toFixed(1)} %, ` : '';
  return `  adding ${p.index} on ${p.table}: ${stage}${p.seconds.toFixed(1)} s${p.state ? `, ${p.state}` : ''}`;
}
