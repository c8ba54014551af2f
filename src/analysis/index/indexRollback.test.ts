import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rollbackAction } from './indexRollback.js';

test('rollbackAction drops only an index innobench added, with the columns it added', () => {
  const cases: Array<{ name: string; index: string; actual?: string[]; recorded: string[] | null; want: string; reason?: RegExp }> = [
    { name: 'added by innobench, unchanged', index: 'idx_a', actual: ['a', 'b'], recorded: ['a', 'b'], want: 'drop' },
    { name: 'names compare case-insensitively', index: 'idx_a', actual: ['A'], recorded: ['a'], want: 'drop' },
    { name: 'not there any more', index: 'idx_a', recorded: ['a'], want: 'absent' },
    { name: 'never there', index: 'idx_a', recorded: null, want: 'absent' },
    { name: 'pre-existing (never recorded)', index: 'idx_a', actual: ['a'], recorded: null, want: 'refuse', reason: /not added by innobench/ },
    { name: 'replaced since', index: 'idx_a', actual: ['a', 'c'], recorded: ['a', 'b'], want: 'refuse', reason: /changed since/ },
    { name: 'PRIMARY, even if recorded', index: 'primary', actual: ['id'], recorded: ['id'], want: 'refuse', reason: /primary key/ },
  ];
  for (const c of cases) {
    const got = rollbackAction({ name: c.index }, c.actual, c.recorded);
    assert.equal(got.action, c.want, c.name);
    if (c.reason) assert.match(got.action === 'refuse' ? got.reason : '', c.reason, c.name);
  }
});
