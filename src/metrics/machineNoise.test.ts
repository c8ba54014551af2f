/** The machine's noise: /proc text parsed (fixtures), the figures between two readings, the sampler on fake and on real /proc. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isPhysicalDisk, MachineNoiseSampler, noiseBetween, parseDiskstats, parseProcStat, readNoise, DISTURBED_KEPT, type NoiseReading } from './machineNoise.js';
import { statCpuTicks } from './processCpu.js';

const PROC_STAT = `cpu  366786 219 49743 58142 1688 10 2683 3616 500 0
cpu0 182788 144 24130 31680 335 5 759 1809 250 0
cpu1 183998 75 25612 26462 1352 5 1923 1806 250 0
intr 123 0 0
ctxt 999
`;

const DISKSTATS = `   7       0 loop0 10 0 20 0 0 0 0 0 0 500 0 0 0 0 0 0 0
 254       0 vda 262345 31788 8981250 46309 791293 161945 17944384 299585 0 148452 452903 48536 98 11016552 13568 257434 93439
 254       1 vda1 262000 31788 8981000 46300 791000 161945 17944000 299500 0 148400 452900
 259       0 nvme0n1 5 0 10 1 5 0 10 1 0 7000 2
 253       0 dm-0 1 0 2 0 1 0 2 0 0 9999 0
`;

test('/proc/stat: the aggregate line, its cores, busy time without idle, iowait and steal', () => {
  const cpu = parseProcStat(PROC_STAT)!;
  assert.equal(cpu.cores, 2);
  assert.equal(cpu.total, 366786 + 219 + 49743 + 58142 + 1688 + 10 + 2683 + 3616, 'guest (inside user) is not added twice');
  assert.equal(cpu.busy, 366786 + 219 + 49743 + 10 + 2683);
  assert.equal(cpu.iowait, 1688);
  assert.equal(cpu.steal, 3616);
  const old = parseProcStat('cpu  100 0 50 900\ncpu0 100 0 50 900\n')!;
  assert.deepEqual([old.iowait, old.steal, old.total], [null, null, 1050], 'a kernel without iowait and steal columns');
  assert.equal(parseProcStat('intr 1 2\n'), null);
});

test('/proc/diskstats: time spent doing I/Os per device; physical disks are whole, not virtual', () => {
  const busy = parseDiskstats(DISKSTATS);
  assert.equal(busy.get('vda'), 148452);
  assert.equal(busy.get('vda1'), 148400, 'the pre-4.18 line with 11 statistics');
  assert.equal(busy.get('nvme0n1'), 7000);
  assert.deepEqual([...busy.keys()].filter(isPhysicalDisk), ['vda', 'nvme0n1']);
  for (const name of ['sda', 'xvdb', 'mmcblk0', 'nvme1n2']) assert.ok(isPhysicalDisk(name), name);
  for (const name of ['sda2', 'nvme0n1p3', 'mmcblk0p1', 'zram0', 'md127', 'sr0']) assert.ok(!isPhysicalDisk(name), name);
});

test('/proc/<pid>/stat: utime + stime, past a command name holding spaces and parentheses', () => {
  const line = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 8 9 20 0 7 0 100 123456 789 18446744073709551615';
  assert.equal(statCpuTicks(line), 1234 + 567);
});

function reading(atMs: number, total: number, busy: number, self: number, server: number | null, disks: Record<string, number>, steal = 0): NoiseReading {
  return { atMs, cpu: { cores: 2, total, busy, iowait: 10, steal }, selfTicks: self, serverTicks: [server], disks: new Map(Object.entries(disks)) };
}

test('between two readings: other CPU leaves out innobench and the server, in % of one core', () => {
  // 2 cores over 1 s at 100 ticks/s: 200 ticks in all, 100 per core.
  const a = reading(0, 1000, 500, 100, 1000, { vda: 0, sdb: 0 });
  const b = reading(1000, 1200, 650, 150, 1060, { vda: 300, sdb: 900 }, 20);
  assert.deepEqual(noiseBetween(a, b, 'vda'), { otherCpuPct: 40, stealPct: 10, iowaitPct: 0, diskBusyPct: 30 });
  assert.equal(noiseBetween(a, b, null).diskBusyPct, 90, 'no known disk: the busiest physical one');
  const serverGone = { ...b, serverTicks: [null] };
  assert.equal(noiseBetween(a, serverGone, 'vda').otherCpuPct, 100, 'a server no longer readable leaves its share in other');
  assert.equal(noiseBetween(a, { ...b, selfTicks: 300 }, 'vda').otherCpuPct, 0, 'never negative');
  assert.deepEqual(noiseBetween({ ...a, cpu: null, disks: null }, b, 'vda'), { otherCpuPct: null, stealPct: null, iowaitPct: null, diskBusyPct: null });
});

test('the sampler: interval figures, window means from its first and last readings, maxima, disturbed intervals', () => {
  const readings = [reading(0, 0, 0, 0, 0, { vda: 0 }), reading(1000, 200, 20, 0, 0, { vda: 100 }), reading(2000, 400, 120, 0, 0, { vda: 200 }), reading(3000, 600, 140, 0, 0, { vda: 300 })];
  const sampler = new MachineNoiseSampler({ serverPids: [7], disk: 'vda' }, (noise) => (noise.otherCpuPct! > 25 ? 'busy' : null), () => readings.shift()!);
  sampler.begin();
  assert.deepEqual([1, 2, 3].map((sec) => sampler.sample(sec).otherCpuPct), [20, 100, 20]);
  const summary = sampler.summary();
  assert.deepEqual(summary.otherCpuPct, { mean: 46.7, max: 100, maxAtSec: 2 });
  assert.deepEqual(summary.diskBusyPct, { mean: 10, max: 10, maxAtSec: 1 });
  assert.deepEqual(summary.disturbed, [{ atSec: 2, reason: 'busy' }]);
  assert.deepEqual([summary.disturbedCount, summary.cores, summary.serverPids, summary.disk], [1, 2, [7], 'vda']);
});

test('the sampler keeps the first disturbed intervals and counts them all', () => {
  let tick = 0;
  const sampler = new MachineNoiseSampler({ serverPids: [], disk: null }, () => 'always', () => reading(tick * 1000, tick * 200, tick++ * 200, 0, null, {}));
  sampler.begin();
  for (let sec = 1; sec <= DISTURBED_KEPT + 3; sec++) sampler.sample(sec);
  assert.equal(sampler.summary().disturbed.length, DISTURBED_KEPT);
  assert.equal(sampler.summary().disturbedCount, DISTURBED_KEPT + 3);
});

test('on this machine: a busy child process is counted in other CPU, and left out once named as a server', { skip: process.platform !== 'linux' }, async () => {
  const child = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => child.once('spawn', resolve));
    // One set of real readings for both samplers, so both see the very same window (whatever else
    // runs on this machine meanwhile); the child's ticks are read with them, as a server's would be.
    const seen: NoiseReading[] = [];
    const named = new MachineNoiseSampler({ serverPids: [child.pid!], disk: null }, () => null, (pids) => seen[seen.push(readNoise(pids)) - 1]!);
    const unnamed = new MachineNoiseSampler({ serverPids: [], disk: null }, () => null, () => ({ ...seen[unnamedReads++]!, serverTicks: [] }));
    let unnamedReads = 0;
    named.begin();
    unnamed.begin();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const withChildNamed = named.sample(1.2);
    const withChildOther = unnamed.sample(1.2);
    const [first, last] = [seen[0]!, seen[1]!];
    const childPct = ((last.serverTicks[0]! - first.serverTicks[0]!) / ((last.cpu!.total - first.cpu!.total) / last.cpu!.cores)) * 100;
    assert.ok(childPct > 10, `the busy loop ran: ${childPct.toFixed(1)} % of a core`);
    assert.ok(withChildOther.otherCpuPct! >= childPct - 3, `other ${withChildOther.otherCpuPct} % holds the child's ${childPct.toFixed(1)} %`);
    assert.ok(Math.abs(withChildOther.otherCpuPct! - withChildNamed.otherCpuPct! - childPct) < 3, `named as a server, the child leaves other: ${withChildNamed.otherCpuPct} %`);
    assert.ok(withChildOther.diskBusyPct === null || (withChildOther.diskBusyPct >= 0 && withChildOther.diskBusyPct <= 100));
  } finally {
    child.kill();
  }
});
