/** Run ids are folder names: never a path, whatever the scenario name says. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newRunId, RunFolder } from './runFolder.js';

const NOW = new Date('2026-11-30T10:20:30.456Z');

test('newRunId: a stamp, the scenario name and a random tail; separators and dots become _', () => {
  assert.match(newRunId('insert-features', NOW), /^20261130-102030-insert-features-[a-z0-9]{1,4}$/);
  assert.match(newRunId('x/../../tmp/p', NOW), /^20261130-102030-x_tmp_p-[a-z0-9]{1,4}$/);
  assert.match(newRunId('..\\evil', NOW), /^20261130-102030-_evil-[a-z0-9]{1,4}$/);
});

test('RunFolder.create refuses a run id that is not a plain folder name, and writes nothing', () => {
  const root = mkdtempSync(join(tmpdir(), 'ib-run-folder-'));
  try {
    for (const id of ['../outside', 'a/b', '.hidden', '', '..']) {
      assert.throws(() => RunFolder.create(join(root, 'results'), id), /is not a plain folder name/, id);
    }
    assert.equal(existsSync(join(root, 'results')), false);
    assert.equal(existsSync(join(root, 'outside')), false);
    assert.ok(existsSync(RunFolder.create(join(root, 'results'), 'run-1').dir));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
