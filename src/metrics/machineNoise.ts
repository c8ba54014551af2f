/**
 * What else the machine innobench runs on was doing, per interval, from /proc (Linux): the CPU
 * used by every process but innobench and the server under test, the CPU time the hypervisor
 * stole, iowait, and how busy the disk was. A verdict can then name the intervals a result was
 * disturbed in instead of blaming the server. Elsewhere (no /proc) every figure is null.
 *
 * It measures this machine only. With the server on it (its pid found) "other" is everything but
 * innobench and the server; with a remote server it is everything but innobench, so the server's
 * own work is never in it either way, but neither is the remote machine's noise.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { PromiseConnection } from '../db/connect.js';
import { dataDevice, findServerPid, processCpuTicks } from './processCpu.js';

/** One interval's figures; null where /proc lacks them. */
export interface MachineNoise {
  /** CPU used by processes other than innobench and the server, in % of one core. */
  otherCpuPct: number | null;
  /** CPU time stolen by the hypervisor, in % of all the machine's CPU time (as top's %st). */
  stealPct: number | null;
  /** Idle CPU time with I/O outstanding, in % of all the machine's CPU time. */
  iowaitPct: number | null;
  /** Time the disk had I/O in flight, in % of the interval. */
  diskBusyPct: number | null;
}

/** Whose CPU is not "other", and which disk to watch. */
export interface NoiseScope {
  /** The server's pid(s) on this machine; empty when the server is remote or its pid unknown. */
  serverPids: readonly number[];
  /** The disk holding the server's data; null: the busiest physical disk of each interval. */
  disk: string | null;
}

/**
 * The scope for the server behind a control connection: its pid and data disk when it runs here.
 * The disk is trusted only with the pid: a remote server's datadir path may exist here by chance.
 */
export async function noiseScope(control: PromiseConnection): Promise<NoiseScope> {
  const pid = await findServerPid(control).catch(() => null);
  if (pid === null) return { serverPids: [], disk: null };
  const device = await dataDevice(control).catch(() => null);
  return { serverPids: [pid], disk: device?.device ?? null };
}

export interface FigureSummary {
  /** Over the whole window (from its counters, so weighted by time). */
  mean: number;
  max: number;
  /** Seconds since the window began, at the end of the interval with the max. */
  maxAtSec: number;
}

/** run.json's summary.machine. */
export interface MachineNoiseSummary {
  cores: number;
  serverPids: number[];
  disk: string | null;
  otherCpuPct: FigureSummary | null;
  stealPct: FigureSummary | null;
  iowaitPct: FigureSummary | null;
  diskBusyPct: FigureSummary | null;
  /** Intervals the judge named (the first DISTURBED_KEPT), with its reason. */
  disturbed: Array<{ atSec: number; reason: string }>;
  disturbedCount: number;
}

/** Why an interval was disturbed, or null when it was not (analysis/verdicts/disturbance.ts). */
export type NoiseJudge = (noise: MachineNoise, scope: NoiseScope) => string | null;

/** The aggregate `cpu` line of /proc/stat, in clock ticks, and how many CPUs it adds up. */
export interface CpuTimes {
  cores: number;
  /** Every column up to steal (guest time is already inside user and nice). */
  total: number;
  /** user + nice + system + irq + softirq: time something on this machine ran. */
  busy: number;
  iowait: number | null;
  steal: number | null;
}

export function parseProcStat(text: string): CpuTimes | null {
  const lines = text.split('\n');
  const aggregate = lines.find((line) => /^cpu\s/.test(line));
  if (!aggregate) return null;
  const v = aggregate.trim().split(/\s+/).slice(1).map(Number);
  if (v.length < 4 || v.some((n) => !Number.isFinite(n))) return null;
  const at = (i: number): number => v[i] ?? 0;
  return {
    cores: Math.max(1, lines.filter((line) => /^cpu\d+\s/.test(line)).length),
    total: v.slice(0, 8).reduce((sum, n) => sum + n, 0),
    busy: at(0) + at(1) + at(2) + at(5) + at(6),
    // Columns a kernel does not report yet (iowait since 2.5.41, steal since 2.6.11).
    iowait: v.length > 4 ? at(4) : null,
    steal: v.length > 7 ? at(7) : null,
  };
}

/** Each device's "time spent doing I/Os" (ms), the 10th statistic after the name. */
export function parseDiskstats(text: string): Map<string, number> {
  const busy = new Map<string, number>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const ioMs = Number(fields[12]);
    if (fields.length >= 13 && Number.isFinite(ioMs)) busy.set(fields[2]!, ioMs);
  }
  return busy;
}

/** A whole physical disk: not a partition, loop, ram, zram, device-mapper, md or optical device. */
export function isPhysicalDisk(name: string): boolean {
  if (/^(loop|ram|zram|dm-|md|sr|fd|nbd)/.test(name)) return false;
  return !/^((sd|vd|xvd|hd)[a-z]+\d+|(nvme\d+n\d+|mmcblk\d+)p\d+)$/.test(name);
}

/** One reading of every counter; null where it could not be read. */
export interface NoiseReading {
  atMs: number;
  cpu: CpuTimes | null;
  selfTicks: number | null;
  serverTicks: Array<number | null>;
  disks: Map<string, number> | null;
}

const pct = (part: number, whole: number): number => Math.round((1000 * part) / whole) / 10;

/** The figures between two readings (pure). */
export function noiseBetween(a: NoiseReading, b: NoiseReading, disk: string | null): MachineNoise {
  const cpuTotal = a.cpu && b.cpu ? b.cpu.total - a.cpu.total : 0;
  const diskBusyPct = diskBusy(a, b, disk);
  if (!a.cpu || !b.cpu || cpuTotal <= 0) return { otherCpuPct: null, stealPct: null, iowaitPct: null, diskBusyPct };
  const [from, to] = [a.cpu, b.cpu];
  const delta = (x: number | null, y: number | null): number | null => (x === null || y === null ? null : y - x);
  // A process that could not be read (it ended) leaves its share in "other", which is what it was.
  const excluded = [delta(a.selfTicks, b.selfTicks), ...a.serverTicks.map((ticks, i) => delta(ticks, b.serverTicks[i] ?? null))].reduce<number>((sum, d) => sum + (d ?? 0), 0);
  // Process and machine counters are read a moment apart: a tiny negative is rounding, not a figure.
  const other = Math.max(0, to.busy - from.busy - excluded);
  const ofAll = (x: number | null, y: number | null): number | null => (x === null || y === null ? null : pct(Math.max(0, y - x), cpuTotal));
  return { otherCpuPct: pct(other, cpuTotal / to.cores), stealPct: ofAll(from.steal, to.steal), iowaitPct: ofAll(from.iowait, to.iowait), diskBusyPct };
}

function diskBusy(a: NoiseReading, b: NoiseReading, disk: string | null): number | null {
  const ms = b.atMs - a.atMs;
  if (!a.disks || !b.disks || ms <= 0) return null;
  const names = disk !== null ? [disk] : [...b.disks.keys()].filter(isPhysicalDisk);
  const busy = names.map((name) => (a.disks!.has(name) && b.disks!.has(name) ? b.disks!.get(name)! - a.disks!.get(name)! : null)).filter((d): d is number => d !== null);
  // The kernel counts in-flight time per jiffy: a hair over the interval is rounding.
  return busy.length ? Math.min(100, pct(Math.max(0, ...busy), ms)) : null;
}

/** Reads the counters; a missing file (not Linux, a process gone) is null, never an error. */
export function readNoise(serverPids: readonly number[], now: () => number = () => performance.now()): NoiseReading {
  const cpuText = readOrNull(() => readFileSync('/proc/stat', 'utf8'));
  const diskText = readOrNull(() => readFileSync('/proc/diskstats', 'utf8'));
  return {
    atMs: now(),
    cpu: cpuText === null ? null : parseProcStat(cpuText),
    selfTicks: readOrNull(() => processCpuTicks('self')),
    serverTicks: serverPids.map((pid) => readOrNull(() => processCpuTicks(pid))),
    disks: diskText === null ? null : parseDiskstats(diskText),
  };
}

function readOrNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** How many disturbed intervals summary.machine lists (the count covers them all). */
export const DISTURBED_KEPT = 50;

/**
 * The machine's figures per interval of a run's window: begin() at the start, sample() at each
 * tick, summary() for run.json. The window's means come from its first and last readings.
 */
export class MachineNoiseSampler {
  private first: NoiseReading | null = null;
  private last: NoiseReading | null = null;
  private readonly maxima = new Map<keyof MachineNoise, { max: number; maxAtSec: number }>();
  private readonly disturbed: MachineNoiseSummary['disturbed'] = [];
  private disturbedCount = 0;

  constructor(
    private readonly scope: NoiseScope,
    private readonly judge: NoiseJudge,
    private readonly read: (pids: readonly number[]) => NoiseReading = readNoise,
  ) {}

  begin(): void {
    this.first = this.last = this.read(this.scope.serverPids);
  }

  /** The figures since the last sample (or begin), the interval ending at elapsedSec. */
  sample(elapsedSec: number): MachineNoise {
    const reading = this.read(this.scope.serverPids);
    const noise = noiseBetween(this.last ?? reading, reading, this.scope.disk);
    this.last = reading;
    // As timeline.csv's elapsed_s, so a summary's moment finds its row.
    const atSec = Math.round(elapsedSec * 1000) / 1000;
    for (const [name, value] of Object.entries(noise) as Array<[keyof MachineNoise, number | null]>) {
      const seen = this.maxima.get(name);
      if (value !== null && (!seen || value > seen.max)) this.maxima.set(name, { max: value, maxAtSec: atSec });
    }
    const reason = this.judge(noise, this.scope);
    if (reason !== null && this.disturbedCount++ < DISTURBED_KEPT) this.disturbed.push({ atSec, reason });
    return noise;
  }

  summary(): MachineNoiseSummary {
    const window = this.first && this.last ? noiseBetween(this.first, this.last, this.scope.disk) : null;
    const figure = (name: keyof MachineNoise): FigureSummary | null => {
      const seen = this.maxima.get(name);
      const mean = window?.[name] ?? null;
      return seen && mean !== null ? { mean, ...seen } : null;
    };
    return {
      cores: this.last?.cpu?.cores ?? 0,
      serverPids: [...this.scope.serverPids],
      disk: this.scope.disk,
      otherCpuPct: figure('otherCpuPct'),
      stealPct: figure('stealPct'),
      iowaitPct: figure('iowaitPct'),
      diskBusyPct: figure('diskBusyPct'),
      disturbed: [...this.disturbed],
      disturbedCount: this.disturbedCount,
    };
  }
}
