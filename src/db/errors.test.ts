import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyError, isCommitConflict } from './errors.js';

test('a 1213 returned by COMMIT is a Galera conflict; on a statement it may be an InnoDB deadlock', () => {
  const atCommit = { errno: 1213, code: 'ER_LOCK_DEADLOCK', sql: 'COMMIT' };
  const onStatement = { errno: 1213, code: 'ER_LOCK_DEADLOCK', sql: 'DELETE FROM t WHERE id = 1' };
  assert.equal(classifyError(atCommit), 'deadlock');
  assert.equal(isCommitConflict(atCommit), true);
  assert.equal(isCommitConflict({ ...atCommit, sql: ' commit ' }), true);
  assert.equal(isCommitConflict(onStatement), false);
  assert.equal(isCommitConflict({ errno: 1205, sql: 'COMMIT' }), false);
  assert.equal(isCommitConflict({ errno: 1213 }), false);
});
