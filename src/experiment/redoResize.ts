/**
 * A redo resize is in effect when it has finished, not when SET GLOBAL returns. MariaDB 10.11's
 * `SET GLOBAL innodb_log_file_size` blocks until the new log is in place (the log file then has the
 * new size, checked when the data directory is readable here); MySQL 8.0.30+'s
 * `innodb_redo_log_capacity` returns at once and reports the resize in
 * `Innodb_redo_log_resize_status` until it says OK.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { PromiseConnection } from '../db/connect.js';

const RESIZE_TIMEOUT_MS = 15 * 60_000;
const POLL_MS = 500;

async function statusValue(control: PromiseConnection, name: string): Promise<string | null> {
  const [rows] = await control.query('SHOW GLOBAL STATUS LIKE ?', [name]);
  return (rows as Array<{ Value: string }>)[0]?.Value ?? null;
}

/** Waits for a redo resize to finish; returns how that was established, or null for other variables. */
export async function waitForRedoResize(control: PromiseConnection, name: string, bytes: string | number, log: (line: string) => void): Promise<string | null> {
  if (name === 'innodb_redo_log_capacity') {
    const started = Date.now();
    for (;;) {
      const status = await statusValue(control, 'Innodb_redo_log_resize_status');
      if (status === null || /^OK/i.test(status)) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        return status === null ? 'the server reports no Innodb_redo_log_resize_status' : `resize finished (Innodb_redo_log_resize_status OK after ${seconds} s)`;
      }
      if (Date.now() - started > RESIZE_TIMEOUT_MS) throw new Error(`the redo resize did not finish within ${RESIZE_TIMEOUT_MS / 60_000} min: ${status}`);
      log(`waiting for the redo resize: ${status}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
  if (name !== 'innodb_log_file_size') return null;
  const [rows] = await control.query('SELECT @@datadir AS datadir');
  const datadir = String((rows as Array<{ datadir: string }>)[0]?.datadir ?? '');
  try {
    const size = statSync(join(datadir, 'ib_logfile0')).size;
    return `ib_logfile0 is ${size} bytes${size === Number(bytes) ? '' : ` (asked ${bytes})`}`;
  } catch {
    return 'SET GLOBAL returned once the resize was done (the log file is not readable here)';
  }
}
