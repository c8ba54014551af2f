/**
 * The seed's counting experiment: SELECT COUNT(*) on a feature table took hours cold and far
 * less warm. A cold buffer pool is made either by a server restart the user provides the command
 * for (with innodb_buffer_pool_load_at_startup's dump disabled first), or, without one, by
 * shrinking innodb_buffer_pool_size online (MariaDB 10.2+ / MySQL 5.7+ resize it dynamically),
 * which frees pages, then growing it back. Each count reports its time and the buffer pool's
 * disk reads, which is what makes cold and warm differ.
 */
import { execSync } from 'node:child_process';
import type { PromiseConnection } from '../db/connect.js';
import { quoteIdent } from '../db/identifiers.js';
import type { ServerJournal } from '../serverState/journal.js';

export interface CountMeasure {
  label: string;
  sql: string;
  rows: number;
  seconds: number;
  diskReads: number;
  readRequests: number;
}

async function status(connection: PromiseConnection, name: string): Promise<number> {
  const [rows] = await connection.query('SHOW GLOBAL STATUS LIKE ?', [name]);
  return Number((rows as Array<{ Value: string }>)[0]?.Value ?? 0);
}

export async function timeCount(connection: PromiseConnection, label: string, sql: string): Promise<CountMeasure> {
  const readsBefore = await status(connection, 'Innodb_buffer_pool_reads');
  const requestsBefore = await status(connection, 'Innodb_buffer_pool_read_requests');
  const started = process.hrtime.bigint();
  const [rows] = await connection.query(sql);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    label,
    sql,
    rows: Number((rows as Array<{ n: number }>)[0]?.n ?? 0),
    seconds,
    diskReads: (await status(connection, 'Innodb_buffer_pool_reads')) - readsBefore,
    readRequests: (await status(connection, 'Innodb_buffer_pool_read_requests')) - requestsBefore,
  };
}

/** The count statements: the clustered index, and each secondary index of the table. */
export async function countStatements(connection: PromiseConnection, table: string): Promise<Array<{ label: string; sql: string }>> {
  const [indexes] = await connection.query(
    `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY'`,
    [table],
  );
  const list = [{ label: 'clustered index (PRIMARY)', sql: `SELECT COUNT(*) AS n FROM ${quoteIdent(table)} FORCE INDEX (PRIMARY)` }];
  for (const { name } of indexes as Array<{ name: string }>) {
    list.push({ label: `secondary index ${name}`, sql: `SELECT COUNT(*) AS n FROM ${quoteIdent(table)} FORCE INDEX (${quoteIdent(name)})` });
  }
  return list;
}

/**
 * Empties the buffer pool by shrinking it to its minimum and back; returns how. The shrink is
 * journalled before it is made, and the grow-back is in a finally: an error, a signal (the
 * command's handler restores the journal) or a kill (the next innobench reports it) never leaves
 * the server with a minimal buffer pool.
 */
export async function evictByResize(connection: PromiseConnection, journal: ServerJournal, log: (line: string) => void): Promise<string> {
  const [rows] = await connection.query('SELECT @@innodb_buffer_pool_size AS size, @@innodb_buffer_pool_chunk_size AS chunk');
  const { size, chunk } = (rows as Array<{ size: number; chunk: number }>)[0]!;
  const original = Number(size);
  const minimum = Math.max(Number(chunk), 8 * 1024 * 1024);
  if (minimum >= original) throw new Error(`the buffer pool (${original} bytes) is already at its minimum; pass --restart-cmd to start cold`);
  log(`evicting: innodb_buffer_pool_size ${original} → ${minimum} → ${original}`);
  const shrink = await journal.setGlobals({ innodb_buffer_pool_size: minimum }, 'buffer pool');
  try {
    await waitForResize(connection);
  } finally {
    await journal.restore(shrink);
    await waitForResize(connection);
  }
  return `buffer pool shrunk to ${minimum} bytes and grown back to ${original}`;
}

async function waitForResize(connection: PromiseConnection): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const [rows] = await connection.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_resize_status'");
    const text = (rows as Array<{ Value: string }>)[0]?.Value ?? '';
    if (text === '' || /complete|finished|completed/i.test(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Restarts the server with the user's command after turning the buffer pool dump off, so it starts
 * cold. Not journalled: the restart itself puts innodb_buffer_pool_dump_at_shutdown back at its
 * configured value (SET GLOBAL does not outlive it).
 */
export async function evictByRestart(connection: PromiseConnection, restartCmd: string, reconnect: () => Promise<PromiseConnection>): Promise<{ how: string; connection: PromiseConnection }> {
  await connection.query('SET GLOBAL innodb_buffer_pool_dump_at_shutdown = OFF').catch(() => undefined);
  await connection.end().catch(() => undefined);
  execSync(restartCmd, { stdio: 'inherit', timeout: 300_000 });
  for (let i = 0; i < 120; i++) {
    try {
      const fresh = await reconnect();
      return { how: `server restarted with \`${restartCmd}\` (buffer pool dump at shutdown turned off first)`, connection: fresh };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error('the server did not answer within 60 s of the restart command');
}
