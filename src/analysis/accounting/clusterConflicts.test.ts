import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conflictAccounting } from './clusterConflicts.js';

test('1213s split: at COMMIT are Galera conflicts, the rest by the nodes\' Innodb_deadlocks', () => {
  const c = conflictAccounting({ harness1213: 100, atCommit: 30, innodbDeadlocks: 50, certFailures: 25, bfAborts: 40, replays: 10, retryAutocommit: [1, 1, 1] });
  assert.equal(c.galeraOnStatements, 20);
  // 65 Galera conflicts counted, 50 seen (30 at COMMIT + 20 on statements): 15 unseen, 10 of them replays.
  assert.equal(c.unseen, 15);
  assert.match(c.note, /100 errno 1213 seen: 30 at COMMIT \(Galera conflicts\), 70 on statements \(by the nodes' counters: 50 InnoDB deadlocks, 20 brute-force aborts\)/);
  assert.match(c.note, /15 Galera conflict\(s\) .* 10 replayed by the server; 5 may have been retried unseen .*wsrep_retry_autocommit = 1/);
});

test('a forced conflict seen at COMMIT and counted by the node: nothing unseen', () => {
  const c = conflictAccounting({ harness1213: 1, atCommit: 1, innodbDeadlocks: 0, certFailures: 0, bfAborts: 1, replays: 0, retryAutocommit: [1] });
  assert.equal(c.unseen, 0);
  assert.equal(c.galeraOnStatements, 0);
  assert.match(c.note, /wsrep_retry_autocommit = 1: an autocommit statement that loses a conflict is retried by the server, unseen by the harness \(none this run\)/);
});

test('pure InnoDB deadlocks on a cluster: no Galera conflict claimed', () => {
  const c = conflictAccounting({ harness1213: 12, atCommit: 0, innodbDeadlocks: 12, certFailures: 0, bfAborts: 0, replays: 0, retryAutocommit: [0] });
  assert.equal(c.galeraOnStatements, 0);
  assert.equal(c.unseen, 0);
  assert.match(c.note, /12 InnoDB deadlocks, 0 brute-force aborts/);
});
