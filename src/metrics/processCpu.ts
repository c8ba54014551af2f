/**
 * A local server's CPU time from /proc (Linux): where to find its process, and its utime + stime.
 * The matrix reads them around each run; the benches around their measured windows.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { PromiseConnection } from '../db/connect.js';

/** mariadbd's (or mysqld's) pid when the server runs on this machine and its pid file is readable. */
export async function findServerPid(control: PromiseConnection): Promise<number | null> {
  const [rows] = await control.query('SELECT @@pid_file AS pidFile, @@datadir AS datadir');
  const row = (rows as Array<{ pidFile: string; datadir: string }>)[0];
  if (!row) return null;
  const pidFile = isAbsolute(String(row.pidFile)) ? String(row.pidFile) : join(String(row.datadir), String(row.pidFile));
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    const command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return command === 'mariadbd' || command === 'mysqld' ? pid : null;
  } catch {
    return null;
  }
}

/** utime + stime of a process, all its threads, in clock ticks. */
export function processCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Clock ticks per second of /proc's CPU times (USER_HZ), as the system says. */
export function clockTicksPerSec(): number {
  return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
}
