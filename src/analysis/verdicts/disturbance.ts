/**
 * Whether the machine innobench ran on was disturbed in an interval (pure), from the interval's
 * machine figures (metrics/machineNoise.ts): something else took CPU the load or a local server
 * could have used, the hypervisor stole time, or, with a remote server, the local disk was busy
 * (with a local server the disk is busy with the server's own work, which is the measurement).
 */
import type { MachineNoise, NoiseScope } from '../../metrics/machineNoise.js';

export const DISTURBANCE_THRESHOLDS = {
  /** % of one core: a quarter of a core taken by others is felt by a harness that wants them all. */
  otherCpuPct: 25,
  /** % of the machine's CPU time: at 5 % stolen, latency outliers are the host's, not the server's. */
  stealPct: 5,
  /** % of the interval, remote servers only. */
  diskBusyPct: 80,
} as const;

/** The interval's reasons, joined in one line, or null when it was quiet. */
export function disturbance(noise: MachineNoise, scope: Pick<NoiseScope, 'serverPids'>): string | null {
  const t = DISTURBANCE_THRESHOLDS;
  const reasons: string[] = [];
  if (noise.otherCpuPct !== null && noise.otherCpuPct > t.otherCpuPct) reasons.push(`other processes used ${noise.otherCpuPct} % of a core`);
  if (noise.stealPct !== null && noise.stealPct > t.stealPct) reasons.push(`steal ${noise.stealPct} %`);
  if (scope.serverPids.length === 0 && noise.diskBusyPct !== null && noise.diskBusyPct > t.diskBusyPct) reasons.push(`local disk busy ${noise.diskBusyPct} % (server remote)`);
  return reasons.length ? reasons.join(', ') : null;
}

