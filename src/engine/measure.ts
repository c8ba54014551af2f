/**
 * The measured window: the load starts on every thread at once, ticks fall on fixed deadlines
 * (next = start + n·interval, so a slow tick never shifts the ones after it), and each tick
 * merges the threads' snapshots of that interval (by sequence number) with the server's figures
 * into one record for every output. Ends at the duration, on a stop, when the work runs out or a
 * thread fails.
 */
import { performance } from 'node:perf_hooks';
import { disturbance } from '../analysis/verdicts/disturbance.js';
import { intervalStats, mergeSnapshots, type ClientHealth, type IntervalStats } from '../metrics/intervalStats.js';
import { MachineNoiseSampler, type MachineNoiseSummary, type NoiseScope } from '../metrics/machineNoise.js';
import type { MetersSnapshot } from '../metrics/opMeters.js';
import { summarize } from '../results/summary.js';
import type { RunFile, Summary } from '../results/types.js';
import type { Output } from '../outputs/output.js';
import type { RunTotals } from './runTotals.js';
import type { ServerSamplers } from './serverSamplers.js';
import type { SettingSwitcher } from './settingSwitcher.js';
import type { ThreadHub } from './threadHub.js';

export interface Window {
  hub: ThreadHub;
  samplers: ServerSamplers;
  outputs: readonly Output[];
  totals: RunTotals;
  /** A switchback run: the arm of each interval, the flip at each slot's end. */
  switcher: SettingSwitcher | null;
  /** run.json as written so far: its summary and status are updated every interval. */
  run: RunFile;
  dir: string;
  durationMs: number;
  intervalMs: number;
  stop: AbortSignal;
  /** The local server's pid and disk, for the machine's noise (prepareRun). */
  machineScope: NoiseScope;
}

export interface Measured {
  endReason: Summary['endReason'];
  elapsedSec: number;
  /** CPU seconds of this process over the window (absent when it ended before the load started). */
  clientCpuSec: number;
  machine: MachineNoiseSummary;
}

export async function measure(w: Window): Promise<Measured> {
  await w.samplers.begin();
  w.hub.broadcast({ type: 'start' });
  const startedAt = performance.now();
  const startedAtMs = Date.now();
  for (const output of w.outputs) await output.start({ run: w.run, dir: w.dir, startedAtMs });
  const health = new ClientHealthMeter(w.hub, startedAt);
  const machine = new MachineNoiseSampler(w.machineScope, disturbance);
  machine.begin();
  const stopWake = new Promise<void>((resolve) => w.stop.addEventListener('abort', () => resolve(), { once: true }));
  const endAt = startedAt + w.durationMs;
  for (let seq = 1; ; seq++) {
    const deadline = Math.min(startedAt + seq * w.intervalMs, endAt);
    await Promise.race([sleep(deadline - performance.now()), stopWake, w.hub.ended]);
    const now = performance.now();
    // A timer may fire a hair before its deadline: the tick that was due at the end is the end.
    const finishing = w.stop.aborted || w.hub.fatal !== null || w.hub.runningCount === 0 || now >= endAt || deadline >= endAt;
    const endReason = finishing ? whyEnded(w) : null;
    const snapshots = endReason ? await lastSnapshots(w.hub) : await w.hub.collect(seq);
    const tickAt = endReason ? Math.min(performance.now(), now) : now;
    const cpu = endReason ? health.cpuSeconds() : 0;
    const server = await w.samplers.sample();
    if (endReason) w.hub.releaseAll();
    const merged = mergeSnapshots(snapshots);
    const stats: IntervalStats = { ...intervalStats(seq, (tickAt - startedAt) / 1000, Math.max(0.001, (tickAt - health.lastTickAt) / 1000), merged, server.status), client: health.tick(tickAt) };
    if (server.cluster) stats.cluster = server.cluster;
    if (w.switcher) stats.arm = w.switcher.armAt(seq);
    stats.machine = machine.sample(stats.elapsedSec);
    w.totals.add(stats.elapsedSec, merged, server.status);
    w.run.summary = { ...summarize(w.totals.ops, stats.elapsedSec, endReason ?? 'duration'), machine: machine.summary() };
    w.run.status = w.totals.statusSection(stats.elapsedSec);
    for (const output of w.outputs) output.interval({ stats, merged, run: w.run });
    w.switcher?.record(stats, stats.machine !== undefined && disturbance(stats.machine, w.machineScope) !== null);
    if (!endReason) await w.switcher?.afterTick(seq);
    if (endReason) return { endReason, elapsedSec: stats.elapsedSec, clientCpuSec: cpu, machine: machine.summary() };
  }
}

function whyEnded(w: Window): Summary['endReason'] {
  if (w.hub.fatal) return 'error';
  if (w.stop.aborted) return 'interrupted';
  return w.hub.runningCount === 0 && w.hub.allWorkDone ? 'work-done' : 'duration';
}

/** Stops every worker and takes what the threads measured since the last tick. */
function lastSnapshots(hub: ThreadHub): Promise<MetersSnapshot[]> {
  hub.broadcast({ type: 'stop' });
  return hub.drain();
}

/** The harness's own health per interval, so a long run shows whether the client itself degraded. */
class ClientHealthMeter {
  private readonly cpuAtStart = process.cpuUsage();
  private cpuAtTick = this.cpuAtStart;

  constructor(
    private readonly hub: ThreadHub,
    public lastTickAt: number,
  ) {}

  /** CPU seconds (user + system, all threads) since the load started. */
  cpuSeconds(): number {
    const cpu = process.cpuUsage(this.cpuAtStart);
    return Math.round((cpu.user + cpu.system) / 1000) / 1000;
  }

  tick(tickAt: number): ClientHealth {
    const cpuNow = process.cpuUsage();
    const memory = process.memoryUsage();
    const used = (cpuNow.user - this.cpuAtTick.user + cpuNow.system - this.cpuAtTick.system) / 1000;
    const health = {
      rssMb: Math.round(memory.rss / 104857.6) / 10,
      heapUsedMb: Math.round(memory.heapUsed / 104857.6) / 10,
      cpuPct: Math.round((used / Math.max(1, tickAt - this.lastTickAt)) * 1000) / 10,
      loopDelayP99Ms: this.hub.loopDelayP99Ms,
    };
    this.cpuAtTick = cpuNow;
    this.lastTickAt = tickAt;
    return health;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
