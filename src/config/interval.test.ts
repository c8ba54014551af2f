import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultIntervalMs, shortenedIntervalNote } from './interval.js';

test('the default interval: a tenth of a run under 50 s in whole seconds, at least 1 s, else 5 s', () => {
  assert.deepEqual([1000, 4000, 9999, 10_000, 23_000, 49_000, 50_000, 60_000, 3_600_000].map(defaultIntervalMs), [1000, 1000, 1000, 1000, 2000, 4000, 5000, 5000, 5000]);
  assert.equal(shortenedIntervalNote(4000, 1000), 'interval 1 s (a tenth of the 4 s duration, at least 1 s; --interval sets it)');
  assert.equal(shortenedIntervalNote(60_000, 5000), null);
});
