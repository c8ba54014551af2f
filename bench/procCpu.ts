/**
 * CPU time from /proc (Linux): a process's, the whole machine's, and where to find a local
 * server's process. The benches read them around a measured window.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type mysql from 'mysql2/promise';

/** mariadbd's pid when the server runs on this machine and its pid file is readable. */
export async function findServerPid(control: mysql.Connection): Promise<number | null> {
  const [rows] = await control.query<mysql.RowDataPacket[]>('SELECT @@pid_file AS pidFile, @@datadir AS datadir');
  const row = rows[0];
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

/** Busy CPU time of the whole machine: user, nice, system, irq, softirq and steal, in ticks. */
export function machineCpuTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}

/** The client itself: /usr/bin/time's only child, or null while time has not started it yet. */
export function childPidOf(timePid: number): number | null {
  const children = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(/\s+/);
  const pid = Number(children[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
