/** The machine-disturbance rule: other processes' CPU, steal, and a busy local disk when the server is remote. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disturbance, DISTURBANCE_THRESHOLDS } from './disturbance.js';

const QUIET = { otherCpuPct: 3, stealPct: 0.5, iowaitPct: 2, diskBusyPct: 95 };
const LOCAL = { serverPids: [42] };
const REMOTE = { serverPids: [] };

test('a quiet interval is not disturbed; a local server keeping its own disk busy is the measurement', () => {
  assert.equal(disturbance(QUIET, LOCAL), null);
  assert.equal(disturbance({ otherCpuPct: null, stealPct: null, iowaitPct: null, diskBusyPct: null }, REMOTE), null);
});

test('each cause past its threshold is named, all of them in one line', () => {
  assert.equal(disturbance({ ...QUIET, otherCpuPct: DISTURBANCE_THRESHOLDS.otherCpuPct }, LOCAL), null, 'at the threshold is still quiet');
  assert.equal(disturbance({ ...QUIET, otherCpuPct: 40.5 }, LOCAL), 'other processes used 40.5 % of a core');
  assert.equal(disturbance({ ...QUIET, stealPct: 7.1 }, LOCAL), 'steal 7.1 %');
  assert.equal(disturbance(QUIET, REMOTE), 'local disk busy 95 % (server remote)');
  assert.equal(disturbance({ ...QUIET, otherCpuPct: 90, stealPct: 12 }, REMOTE), 'other processes used 90 % of a core, steal 12 %, local disk busy 95 % (server remote)');
});
