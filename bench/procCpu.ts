/**
 * CPU time from /proc (Linux) for the benches: the whole machine's and the client under
 * /usr/bin/time (a process's own, and where a local server's is: src/metrics/processCpu.ts).
 */
import { readFileSync } from 'node:fs';

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
