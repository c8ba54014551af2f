import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignGroups } from './partition.js';

type Share = ReturnType<typeof assignGroups>[number];

/**
 * Every (group, residue) pair a worker would take, where a worker with `of`/`part` takes the rows
 * whose id (or hash) modulo `of` is `part`. The rows of a group are covered exactly once when, for
 * each group, its workers' (of, part) split the residues modulo their common `of` exactly once.
 */
function assertCoversOnce(groups: ReadonlyArray<number | string>, shares: Share[], workers: number): void {
  assert.equal(shares.length, workers, 'one share per worker');
  const byGroup = new Map<number | string, Share[]>();
  for (const share of shares) {
    assert.ok(Number.isInteger(share.of) && share.of >= 1, `of ${share.of}`);
    assert.ok(Number.isInteger(share.part) && share.part >= 0 && share.part < share.of, `part ${share.part} of ${share.of}`);
    for (const group of share.groupKeys) byGroup.set(group, [...(byGroup.get(group) ?? []), share]);
  }
  assert.deepEqual([...byGroup.keys()].sort(), [...groups].sort(), 'every group is assigned, and no other');
  for (const [group, onGroup] of byGroup) {
    const of = onGroup[0]!.of;
    assert.ok(
      onGroup.every((share) => share.of === of),
      `group ${group}: workers disagree on the split`,
    );
    assert.equal(onGroup.length, of, `group ${group}: ${onGroup.length} workers, split ${of} ways`);
    assert.deepEqual(
      onGroup.map((share) => share.part).sort((a, b) => a - b),
      Array.from({ length: of }, (_, i) => i),
      `group ${group}: every part exactly once`,
    );
  }
  // Simulate rows: every row id of every group is taken by exactly one worker.
  for (const group of groups) {
    for (let id = 0; id < 97; id++) {
      const takers = shares.filter((share) => share.groupKeys.includes(group) && id % share.of === share.part);
      assert.equal(takers.length, 1, `group ${group} row ${id} taken by ${takers.length} workers`);
    }
  }
}

test('more groups than workers: whole groups, each to one worker, spread evenly', () => {
  const groups = Array.from({ length: 23 }, (_, i) => i + 1);
  const shares = assignGroups(groups, 5);
  assertCoversOnce(groups, shares, 5);
  for (const share of shares) {
    assert.equal(share.of, 1);
    assert.ok(share.groupKeys.length === 4 || share.groupKeys.length === 5, `${share.groupKeys.length} groups`);
  }
});

test('as many groups as workers: one group each', () => {
  const groups = [10, 20, 30, 40];
  const shares = assignGroups(groups, 4);
  assertCoversOnce(groups, shares, 4);
  assert.deepEqual(
    shares.map((share) => share.groupKeys),
    [[10], [20], [30], [40]],
  );
});

test('fewer groups than workers (3 groups, 10 workers): groups are split between their workers', () => {
  const groups = [7, 8, 9];
  const shares = assignGroups(groups, 10);
  assertCoversOnce(groups, shares, 10);
  for (const share of shares) assert.equal(share.groupKeys.length, 1, 'one group per worker');
  const counts = groups.map((group) => shares.filter((share) => share.groupKeys.includes(group)).length);
  assert.deepEqual(counts, [4, 3, 3]);
});

test('a table of group and worker counts', () => {
  for (const groups of [1, 2, 3, 4, 7, 10, 16]) {
    for (const workers of [1, 2, 3, 5, 10, 11, 32]) {
      const keys = Array.from({ length: groups }, (_, i) => 100 + i * 3);
      assertCoversOnce(keys, assignGroups(keys, workers), workers);
    }
  }
});

test('string group keys (natural-key design) work the same', () => {
  const groups = ['alpha', 'beta'];
  assertCoversOnce(groups, assignGroups(groups, 5), 5);
  assertCoversOnce(groups, assignGroups(groups, 1), 1);
});

test('no groups: every worker gets an empty share with a usable split', () => {
  const shares = assignGroups([], 3);
  assert.equal(shares.length, 3);
  for (const share of shares) {
    assert.deepEqual(share.groupKeys, []);
    assert.ok(Number.isInteger(share.of) && share.of >= 1);
    assert.ok(Number.isInteger(share.part) && share.part >= 0);
  }
});
