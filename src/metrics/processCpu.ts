/**
 * A local server as /proc and /sys see it (Linux): where to find its process, its utime + stime,
 * and the disk holding its data. The matrix reads the CPU time around each run, the benches around
 * their measured windows, a run's machine-noise sampler every interval; the io-scheduler
 * experiment and that sampler want the disk.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
export function processCpuTicks(pid: number | 'self'): number {
  return statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** utime + stime from the text of a /proc/<pid>/stat. */
export function statCpuTicks(stat: string): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Clock ticks per second of /proc's CPU times (USER_HZ), as the system says. */
export function clockTicksPerSec(): number {
  return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
}

/** The sysfs block device holding the server's data directory (a partition's disk), or null when not local. */
export async function dataDevice(control: PromiseConnection): Promise<{ device: string; datadir: string } | null> {
  const [rows] = await control.query('SELECT @@datadir AS datadir');
  const datadir = String((rows as Array<{ datadir: string }>)[0]?.datadir ?? '');
  if (!datadir || !existsSync(datadir)) return null;
  try {
    const majmin = execFileSync('findmnt', ['-no', 'MAJ:MIN', '-T', datadir], { encoding: 'utf8' }).trim().split('\n')[0]!.trim();
    let name = execFileSync('readlink', ['-f', `/sys/dev/block/${majmin}`], { encoding: 'utf8' }).trim().split('/').pop()!;
    if (existsSync(`/sys/class/block/${name}/partition`)) {
      name = execFileSync('readlink', ['-f', `/sys/class/block/${name}`], { encoding: 'utf8' }).trim().split('/').slice(-2, -1)[0]!;
    }
    return { device: name, datadir };
  } catch {
    return null;
  }
}
