import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redoInEffect, redoSizing } from './redoSizing.js';

test('MySQL before 8.0.30: two files share the hour; 8.0.30+: the capacity is a total', () => {
  const twoFiles = redoSizing(1000, { innodb_log_file_size: '1048576', innodb_log_files_in_group: '2' })!;
  assert.equal(twoFiles.hourBytes, 3_600_000);
  assert.equal(twoFiles.perFileBytes, 1_800_000);
  assert.equal(twoFiles.holdsSeconds, (2 * 1048576) / 1000);
  const capacity = redoSizing(1000, { innodb_log_file_size: '50331648', innodb_redo_log_capacity: '104857600' })!;
  assert.equal(capacity.inEffect?.variable, 'innodb_redo_log_capacity');
  assert.equal(capacity.holdsSeconds, 104857.6);
});

test('no redo figure, or no size in the variables', () => {
  assert.equal(redoSizing(null, { innodb_log_file_size: '1048576' }), null);
  assert.equal(redoSizing(Number.NaN, undefined), null);
  const unknown = redoSizing(0, {})!;
  assert.equal(unknown.inEffect, null);
  assert.equal(unknown.holdsSeconds, null);
  assert.equal(unknown.filesInGroup, 1);
});

test('redoInEffect: MariaDB 10.5+ has one file; a nonsense files-in-group counts as one', () => {
  assert.deepEqual(redoInEffect({ innodb_log_file_size: '100663296' }), {
    filesInGroup: 1,
    inEffect: { variable: 'innodb_log_file_size', bytes: 100663296, totalBytes: 100663296 },
  });
  assert.equal(redoInEffect({ innodb_log_files_in_group: '0', innodb_log_file_size: '10' }).inEffect?.totalBytes, 10);
});
