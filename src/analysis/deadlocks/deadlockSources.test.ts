import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeadlockSource, ParsedDeadlock } from './deadlocks.js';
import { mergeSources } from './deadlockSources.js';

/** A deadlock between transactions given as "id@thread#queryId"; locks and statements do not take part in matching. */
function deadlock(source: DeadlockSource, time: string, ...transactions: string[]): ParsedDeadlock {
  return {
    time,
    source,
    victim: 1,
    transactions: transactions.map((spec, at) => {
      const [, id = '', threadId, queryId] = /^([^@]+)@(\d+)#(\d+)$/.exec(spec) ?? [];
      return { ordinal: at + 1, id, threadId, queryId, holds: [], waitsFor: [] };
    }),
  };
}

const sourcesOf = (merged: ReturnType<typeof mergeSources>): Array<[string, DeadlockSource[]]> => merged.map((d) => [d.time, d.sources]);

test('one deadlock seen by both sources is one entry naming both, whatever the order of its transactions', () => {
  const polled = deadlock('innodb-status', 'status 1', '40096@16#143', '40097@17#144');
  const logged = deadlock('error-log', 'log 1', '40097@17#144', '40096@16#143');
  assert.deepEqual(sourcesOf(mergeSources([polled], [logged])), [['log 1', ['innodb-status', 'error-log']]]);
});

test('a retried statement that deadlocks again with the same partner is a second deadlock: its query id is new', () => {
  const first = deadlock('error-log', 'log 1', '(0x7f8d)@16#143', '40097@17#144');
  const retried = deadlock('error-log', 'log 2', '(0x7f8d)@16#150', '40097@17#144');
  const polled = deadlock('innodb-status', 'status', '(0x7f8d)@16#150', '40097@17#144');
  assert.deepEqual(sourcesOf(mergeSources([polled], [first, retried])), [
    ['log 1', ['error-log']],
    ['log 2', ['innodb-status', 'error-log']],
  ]);
});

test('two reports from one source are never merged, and each polled report matches one dump at most', () => {
  const dump = (time: string): ParsedDeadlock => deadlock('error-log', time, '1@1#1', '2@2#2');
  const poll = (time: string): ParsedDeadlock => deadlock('innodb-status', time, '1@1#1', '2@2#2');
  assert.deepEqual(sourcesOf(mergeSources([poll('s1')], [dump('l1'), dump('l2')])), [
    ['l1', ['innodb-status', 'error-log']],
    ['l2', ['error-log']],
  ]);
  assert.deepEqual(sourcesOf(mergeSources([poll('s1'), poll('s2')], [dump('l1')])), [
    ['l1', ['innodb-status', 'error-log']],
    ['s2', ['innodb-status']],
  ]);
});

test('error-log order first, then what only the polling saw; reports without transactions match on their time', () => {
  const merged = mergeSources(
    [deadlock('innodb-status', 'only polled', '5@5#5'), deadlock('innodb-status', '2026-11-23 2:41:09')],
    [deadlock('error-log', 'only logged', '6@6#6'), deadlock('error-log', '2026-11-23 2:41:09')],
  );
  assert.deepEqual(sourcesOf(merged), [
    ['only logged', ['error-log']],
    ['2026-11-23 2:41:09', ['innodb-status', 'error-log']],
    ['only polled', ['innodb-status']],
  ]);
});
