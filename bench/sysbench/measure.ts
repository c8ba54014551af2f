/**
 * One measured run of one client, over the window from the first measured statement the server
 * counts to the client's exit (so the clients' start-up, identical per-connection queries
 * included, is left out of all): the client's own figures, its CPU (`/usr/bin/time` for the whole
 * process, less what /proc showed it had used when the window opened), the server's CPU and
 * statement count, and what the rest of the machine used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { processCpuTicks } from '../../src/metrics/processCpu.js';
import { childPidOf, machineCpuTicks } from '../procCpu.js';
import { clientCommand, clientName, parseClient } from './clients.js';
import type { ClientReport, Mode, Options, RunLabel, RunResult, Session, Snapshot } from './types.js';

export const GNU_TIME = '/usr/bin/time';
/** How often the counter is read until the first measured statement shows: the window opens this late at most. */
const FIRST_STATEMENT_POLL_MS = 20;
/** A run whose server count differs from the client's own count by more than this is flagged. */
export const COUNT_MISMATCH_TOLERANCE = 0.01;
/**
 * The server's count of the measured statements. Reads: every client runs the SELECT as a
 * prepared statement and reads its set-up data over the text protocol, so Com_stmt_execute counts
 * the measured reads only.
 */
const COUNTERS: Record<Mode, string> = { insert: 'Com_insert', read: 'Com_stmt_execute' };

export async function globalStatus(control: mysql.Connection, name: string): Promise<number> {
  const [rows] = await control.query<mysql.RowDataPacket[]>('SHOW GLOBAL STATUS LIKE ?', [name]);
  return Number(rows[0]?.Value ?? NaN);
}

function serverCpuSec(session: Session): number | null {
  return session.serverPid === null ? null : processCpuTicks(session.serverPid) / session.clockTicksPerSec;
}

interface Exited {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

function whenExited(child: ChildProcess): Promise<Exited> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ stdout, stderr, code, signal }));
  });
}

/** The client itself, under /usr/bin/time. */
export function clientPid(timePid: number): number {
  const pid = childPidOf(timePid);
  if (pid === null) throw new Error(`${GNU_TIME} (pid ${timePid}) has no child yet`);
  return pid;
}

/** Reads the counter until it moves past `before`, then everything else at once: that opens the window. Null when the client exited first. */
async function snapshotAtFirstStatement(session: Session, counter: string, child: ChildProcess, before: number): Promise<Snapshot | null> {
  while (child.exitCode === null && child.signalCode === null) {
    const counted = await globalStatus(session.control, counter);
    // Another client's statements can move the counter before the benchmarked client even exists.
    const pid = childPidOf(child.pid!);
    if (counted > before && pid !== null) {
      return {
        counted,
        serverCpuSec: serverCpuSec(session),
        clientCpuSec: processCpuTicks(pid) / session.clockTicksPerSec,
        machineCpuSec: machineCpuTicks() / session.clockTicksPerSec,
        atMs: performance.now(),
      };
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, FIRST_STATEMENT_POLL_MS));
  }
  return null;
}

/** GNU time's `-f '%U %S'` output: user and system CPU seconds of the whole process. */
function parseTimeFile(text: string): number {
  const lines = text.trim().split('\n');
  const [user, system] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
  if (user === undefined || system === undefined || Number.isNaN(user + system)) {
    throw new Error(`cannot read ${GNU_TIME}'s output: ${text}`);
  }
  return user + system;
}

export async function runOnce(session: Session, options: Options, label: RunLabel): Promise<RunResult> {
  const name = clientName(label.client);
  const counter = COUNTERS[options.mode];
  const resultsDir = await mkdtemp(join(session.scratchDir, `${label.client.kind}-`));
  const cpuFile = join(resultsDir, 'cpu.txt');
  try {
    const countedBefore = await globalStatus(session.control, counter);
    const child = spawn(GNU_TIME, ['-f', '%U %S', '-o', cpuFile, ...clientCommand(label.client, options, resultsDir)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    session.current = child;
    const exited = whenExited(child);
    const start = await snapshotAtFirstStatement(session, counter, child, countedBefore);
    const { stdout, stderr, code, signal } = await exited;
    if (session.interrupted) throw new Error('interrupted');
    if (code !== 0) throw new Error(`${name} exited with ${code ?? signal}:\n${tail(stderr || stdout)}`);
    if (!start) throw new Error(`${name} ran no measured statement:\n${tail(stderr || stdout)}`);
    const end: Snapshot = {
      counted: await globalStatus(session.control, counter),
      serverCpuSec: serverCpuSec(session),
      clientCpuSec: parseTimeFile(await readFile(cpuFile, 'utf8')),
      machineCpuSec: machineCpuTicks() / session.clockTicksPerSec,
      atMs: performance.now(),
    };
    return result(name, label, parseClient(label.client, stdout), start, end, end.counted - countedBefore);
  } finally {
    session.current = null;
    await rm(resultsDir, { recursive: true, force: true });
  }
}

function result(name: string, label: RunLabel, report: ClientReport, start: Snapshot, end: Snapshot, countedWholeRun: number): RunResult {
  const countedInWindow = end.counted - start.counted;
  const clientCpu = end.clientCpuSec - start.clientCpuSec;
  const serverCpu = end.serverCpuSec === null || start.serverCpuSec === null ? null : end.serverCpuSec - start.serverCpuSec;
  const machineCapacitySec = ((end.atMs - start.atMs) / 1000) * availableParallelism();
  const othersCpu = serverCpu === null ? null : end.machineCpuSec - start.machineCpuSec - clientCpu - serverCpu;
  return {
    ...label,
    ...report,
    name,
    countedInWindow,
    clientCpuSec: clientCpu,
    serverCpuSec: serverCpu,
    clientCpuSecPer1000: (clientCpu / countedInWindow) * 1000,
    serverCpuSecPer1000: serverCpu === null ? null : (serverCpu / countedInWindow) * 1000,
    countMismatch: Math.abs(countedWholeRun - report.operations) > COUNT_MISMATCH_TOLERANCE * report.operations,
    othersCpuPercent: othersCpu === null ? null : Math.max(0, (othersCpu / machineCapacitySec) * 100),
  };
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-15).join('\n');
}
