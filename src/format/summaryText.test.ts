/** The accounting line of a summary: a whole run, a shard, a merged set. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountingLine, machineLine } from './summaryText.js';
import type { Accounting, MachineNoiseSummary } from '../results/types.js';

const figures = { harnessRows: 100, comInsertDelta: 100, tableRowsBefore: 0, tableRowsAfter: 100, tableRowsDelta: 100 };

test('a whole run: ok or MISMATCH with the three figures', () => {
  const whole: Accounting = { ...figures, ok: true, note: 'harness rows = Com_insert delta = table rows gained' };
  assert.equal(accountingLine(whole), 'accounting: ok: harness rows = Com_insert delta = table rows gained (harness 100, Com_insert 100, table +100)');
  assert.match(accountingLine({ ...whole, ok: false }), /^accounting: MISMATCH: /);
});

test('a shard is partial; a merged set names its Com_insert as one shard\'s window', () => {
  const shard: Accounting = { ...figures, harnessRows: 40, ok: true, note: 'shard 2/3: …', scope: 'shard 2/3' };
  assert.equal(accountingLine(shard), 'accounting (shard 2/3): partial: shard 2/3: … (harness 40, Com_insert 100, table +100)');
  const merged: Accounting = { ...figures, comInsertDelta: 97, ok: true, note: 'the shards\' rows together = table rows gained over the set (3 shards)', scope: '3 shards merged' };
  assert.equal(accountingLine(merged), "accounting (3 shards merged): ok: the shards' rows together = table rows gained over the set (3 shards) (harness 100, Com_insert in one shard's window 97, table +100)");
});

test('the machine line: other CPU with its max, steal, iowait, disk, and the first disturbed intervals', () => {
  const machine: MachineNoiseSummary = {
    cores: 2,
    serverPids: [42],
    disk: 'vda',
    otherCpuPct: { mean: 6.2, max: 48.5, maxAtSec: 7.002 },
    stealPct: { mean: 0.4, max: 1.2, maxAtSec: 3 },
    iowaitPct: null,
    diskBusyPct: { mean: 31, max: 72, maxAtSec: 9 },
    disturbed: Array.from({ length: 6 }, (_, i) => ({ atSec: i + 1, reason: 'other processes used 30 % of a core' })),
    disturbedCount: 8,
  };
  assert.equal(
    machineLine(machine),
    'machine: other processes used 6.2 % of a core on average (max 48.5 % at 7s); steal 0.4 % (max 1.2 %); iowait n/a; disk vda busy 31 % (max 72 %); ' +
      '8 intervals disturbed: 1s (other processes used 30 % of a core), 2s (other processes used 30 % of a core), 3s (other processes used 30 % of a core), ' +
      '4s (other processes used 30 % of a core), 5s (other processes used 30 % of a core), and 3 more',
  );
  assert.match(machineLine({ ...machine, disk: null, otherCpuPct: null, disturbed: [], disturbedCount: 0 }), /^machine: other processes: not measured; .* disk \(busiest\) busy 31 % \(max 72 %\); 0 intervals disturbed$/);
  assert.match(machineLine({ ...machine, disk: '0:41', diskBusyPct: null }), /; disk busy not measured \(the data directory's device 0:41 is not a disk \/proc\/diskstats lists\); /);
});
