import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ParsedDeadlock } from './deadlocks.js';
import type { LockInfo } from './lockLines.js';
import {
  deadlockShape,
  extractLatestDeadlock,
  formatDeadlockText,
  parseDeadlock,
  parseErrorLogDeadlocks,
  summarizeShapes,
} from './deadlocks.js';
import { mergeSources } from './deadlockSources.js';

// Where each fixture came from is written in its leading "#" lines (live MariaDB 10.11 captures,
// the MySQL 8.0 manual, a percona-toolkit test sample, and one reconstructed MySQL 8 error log).
const FIXTURES = new URL('../../../../test/fixtures/deadlocks/', import.meta.url);

/** The fixture as the server printed it: the leading "#" source lines removed. */
function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8').replace(/^(?:#.*\n)+/, '');
}

/** A fixture holding only the LATEST DETECTED DEADLOCK section. */
function sectionFixture(name: string): ParsedDeadlock {
  return parseDeadlock(fixture(name), 'innodb-status');
}

/** A fixture holding whole SHOW ENGINE INNODB STATUS output. */
function fullStatusFixture(name: string): ParsedDeadlock {
  const section = extractLatestDeadlock(fixture(name));
  assert.ok(section, `${name} has a LATEST DETECTED DEADLOCK section`);
  return parseDeadlock(section, 'innodb-status');
}

/** The lock without its raw line, for comparing parsed fields. */
function fields({ raw, ...rest }: LockInfo): Omit<LockInfo, 'raw'> {
  assert.match(raw, /^(RECORD LOCKS|TABLE LOCK) /);
  return rest;
}

const LIVE_DB = 'ib_dl_fixture_4slcnc';

function recordLock(table: string, index: string, mode: string, kind: Partial<LockInfo> = {}): Omit<LockInfo, 'raw'> {
  return { lockType: 'RECORD', table, index, mode, gap: false, recordOnly: false, insertIntention: false, ...kind };
}

function tableLock(table: string, mode: string): Omit<LockInfo, 'raw'> {
  return { lockType: 'TABLE', table, mode, gap: false, recordOnly: false, insertIntention: false };
}

const GAP_HELD = recordLock(`${LIVE_DB}.image`, 'idx_member', 'X', { gap: true });
const INSERT_INTENTION_WAIT = recordLock(`${LIVE_DB}.image`, 'idx_member', 'X', { gap: true, insertIntention: true });
const PRIMARY_ROW_X = recordLock(`${LIVE_DB}.image`, 'PRIMARY', 'X', { recordOnly: true });

test('extractLatestDeadlock cuts the section out of whole status output', () => {
  const cases = [
    {
      name: 'mariadb-10.11-innodb-status-autoinc-full.txt',
      first: '2026-11-23 02:43:11 0x7f3a982d06c0',
      last: '*** WE ROLL BACK TRANSACTION (1)',
    },
    {
      name: 'mysql-8.0-manual-animals-birds.txt',
      first: '2022-11-25 15:58:22 139815661168384',
      last: '*** WE ROLL BACK TRANSACTION (2)',
    },
    { name: 'pt-deadlock-logger-bug_1082104.txt', first: '111212 22:52:42', last: '*** WE ROLL BACK TRANSACTION (2)' },
  ];
  for (const { name, first, last } of cases) {
    const lines = (extractLatestDeadlock(fixture(name)) ?? '').split('\n');
    assert.equal(lines[0], first, name);
    assert.equal(lines.at(-1), last, name);
  }
});

test('extractLatestDeadlock returns null when the server has seen no deadlock', () => {
  const status = [
    '----------',
    'SEMAPHORES',
    '----------',
    '------------',
    'TRANSACTIONS',
    '------------',
    'Trx id counter 35',
  ].join('\n');
  assert.equal(extractLatestDeadlock(status), null);
});

test('MariaDB 10.11 gap lock vs insert intention (live capture)', () => {
  const d = sectionFixture('mariadb-10.11-gap-insert-intention-1.txt');
  assert.equal(d.time, '2026-11-23 02:43:09');
  assert.equal(d.source, 'innodb-status');
  assert.equal(d.victim, 1);
  assert.deepEqual(
    d.transactions.map((trx) => [trx.ordinal, trx.id, trx.threadId, trx.query]),
    [
      [1, '40097', '46', "INSERT INTO image (member_id, path) VALUES (22, '/img/22/new.jpg')"],
      [2, '40096', '45', "INSERT INTO image (member_id, path) VALUES (21, '/img/21/new.jpg')"],
    ],
  );
  for (const trx of d.transactions) {
    // MariaDB prints no holds section: the held gap lock comes from the CONFLICTING WITH lists.
    assert.deepEqual(trx.holds.map(fields), [GAP_HELD], `holds of trx ${trx.id}`);
    assert.deepEqual(trx.waitsFor.map(fields), [INSERT_INTENTION_WAIT], `waits of trx ${trx.id}`);
  }
});

test('MariaDB 10.11 crossed row locks (live capture)', () => {
  const d = sectionFixture('mariadb-10.11-crossed-rows.txt');
  assert.equal(d.victim, 1);
  assert.deepEqual(
    d.transactions.map((trx) => trx.query),
    ["UPDATE image SET path='/img/y2.jpg' WHERE id=1", "UPDATE image SET path='/img/y1.jpg' WHERE id=3"],
  );
  for (const trx of d.transactions) {
    assert.deepEqual(trx.holds.map(fields), [PRIMARY_ROW_X]);
    assert.deepEqual(trx.waitsFor.map(fields), [PRIMARY_ROW_X]);
    assert.match(trx.holds[0]?.raw ?? '', new RegExp(`trx id ${trx.id} lock_mode X locks rec but not gap$`));
  }
});

test('MariaDB 10.11 AUTO-INC table lock vs row lock (live capture, whole status output)', () => {
  const d = fullStatusFixture('mariadb-10.11-innodb-status-autoinc-full.txt');
  const [inserter, insertSelect] = d.transactions;
  assert.equal(d.victim, 1);
  assert.equal(inserter?.query, 'INSERT INTO image_copy (member_id) VALUES (99)');
  assert.deepEqual(inserter?.holds.map(fields), [PRIMARY_ROW_X]);
  assert.deepEqual(inserter?.waitsFor.map(fields), [tableLock(`${LIVE_DB}.image_copy`, 'AUTO-INC')]);
  assert.equal(
    insertSelect?.query,
    'INSERT INTO image_copy (member_id) SELECT member_id FROM image WHERE id >= 4 ORDER BY id',
  );
  assert.deepEqual(insertSelect?.holds.map(fields), [
    tableLock(`${LIVE_DB}.image_copy`, 'AUTO-INC'),
    tableLock(`${LIVE_DB}.image_copy`, 'IX'),
  ]);
  assert.deepEqual(insertSelect?.waitsFor.map(fields), [recordLock(`${LIVE_DB}.image`, 'PRIMARY', 'S')]);
});

test('MySQL 8.0 status section with HOLDS THE LOCK(S) (manual example)', () => {
  const d = fullStatusFixture('mysql-8.0-manual-animals-birds.txt');
  assert.equal(d.time, '2022-11-25 15:58:22');
  assert.equal(d.victim, 2);
  const [animals, birds] = d.transactions;
  assert.deepEqual([animals?.id, animals?.threadId], ['43260', '19']);
  assert.equal(animals?.query, "UPDATE Animals SET value=30 WHERE name='Aardvark'");
  assert.deepEqual(animals?.holds.map(fields), [recordLock('test.Birds', 'PRIMARY', 'S', { recordOnly: true })]);
  assert.deepEqual(animals?.waitsFor.map(fields), [recordLock('test.Animals', 'PRIMARY', 'X', { recordOnly: true })]);
  assert.deepEqual([birds?.id, birds?.threadId], ['43261', '18']);
  assert.equal(birds?.query, "UPDATE Birds SET value=40 WHERE name='Buzzard'");
  assert.deepEqual(birds?.holds.map(fields), [recordLock('test.Animals', 'PRIMARY', 'S', { recordOnly: true })]);
  assert.deepEqual(birds?.waitsFor.map(fields), [recordLock('test.Birds', 'PRIMARY', 'X', { recordOnly: true })]);
});

test('MySQL 5.x monitor output: backquoted index, holds printed for one side only', () => {
  const d = fullStatusFixture('pt-deadlock-logger-bug_1082104.txt');
  assert.equal(d.time, '111212 22:52:42');
  assert.equal(d.victim, 2);
  const [first, second] = d.transactions;
  assert.equal(first?.query, 'update a set movie_id=96 where id =2');
  assert.deepEqual(first?.holds, []);
  assert.deepEqual(first?.waitsFor.map(fields), [recordLock('test.a', 'PRIMARY', 'X', { recordOnly: true })]);
  assert.deepEqual(second?.holds.map(fields), [recordLock('test.a', 'PRIMARY', 'X', { recordOnly: true })]);
});

test('a multi-line statement, a transaction with no statement, a partitioned table and no victim', () => {
  const report = [
    '2024-03-01 10:00:00 140000000000000',
    '*** (1) TRANSACTION:',
    'TRANSACTION 501, ACTIVE 3 sec fetching rows',
    'MySQL thread id 7, OS thread handle 140000000000001, query id 90 localhost app updating',
    'UPDATE orders',
    'SET status = 4',
    'WHERE id = 9',
    '',
    '*** (1) HOLDS THE LOCK(S):',
    'TABLE LOCK table `shop`.`orders` trx id 501 lock mode IX',
    '*** (1) WAITING FOR THIS LOCK TO BE GRANTED:',
    'RECORD LOCKS space id 3 page no 4 n bits 72 index PRIMARY of table `shop`.`orders` /* Partition `p1` */ trx id 501 lock_mode X waiting',
    '*** (2) TRANSACTION:',
    'TRANSACTION 502, ACTIVE 9 sec',
    'MySQL thread id 8, OS thread handle 140000000000002, query id 91 localhost app',
    '*** (2) HOLDS THE LOCK(S):',
    'RECORD LOCKS space id 3 page no 4 n bits 72 index PRIMARY of table `shop`.`orders` /* Partition `p1` */ trx id 502 lock_mode X',
  ].join('\n');
  const d = parseDeadlock(report, 'innodb-status');
  const [updater, idle] = d.transactions;
  assert.equal(d.victim, null);
  assert.equal(updater?.query, 'UPDATE orders\nSET status = 4\nWHERE id = 9');
  assert.deepEqual(updater?.holds.map(fields), [tableLock('shop.orders', 'IX')]);
  assert.deepEqual(updater?.waitsFor.map(fields), [recordLock('shop.orders /* Partition p1 */', 'PRIMARY', 'X')]);
  assert.equal(idle?.query, undefined);
  assert.equal(idle?.waitsFor.length, 0);
  assert.deepEqual(idle?.holds.map(fields), [recordLock('shop.orders /* Partition p1 */', 'PRIMARY', 'X')]);
});

test('MariaDB 10.11 error log: every dump, same content as the status section (live capture)', () => {
  const deadlocks = parseErrorLogDeadlocks(fixture('mariadb-10.11-error.log'));
  assert.deepEqual(
    deadlocks.map((d) => [d.time, d.victim, d.source]),
    [
      ['2026-11-23  2:43:09', 1, 'error-log'],
      ['2026-11-23  2:43:10', 1, 'error-log'],
      ['2026-11-23  2:43:10', 1, 'error-log'],
      ['2026-11-23  2:43:11', 1, 'error-log'],
    ],
  );
  const sameDeadlocksFromStatus = [
    sectionFixture('mariadb-10.11-gap-insert-intention-1.txt'),
    sectionFixture('mariadb-10.11-gap-insert-intention-2.txt'),
    sectionFixture('mariadb-10.11-crossed-rows.txt'),
    fullStatusFixture('mariadb-10.11-innodb-status-autoinc-full.txt'),
  ];
  deadlocks.forEach((d, i) => {
    assert.deepEqual(d.transactions, sameDeadlocksFromStatus[i]?.transactions, `dump ${i + 1}`);
  });
});

test('MySQL 8.0 error log with [MY-012469] [InnoDB] prefixes', () => {
  const deadlocks = parseErrorLogDeadlocks(fixture('mysql-8.0-error.log'));
  assert.equal(deadlocks.length, 1);
  const [d] = deadlocks;
  assert.equal(d?.time, '2022-11-25T15:58:22.610212Z');
  assert.equal(d?.victim, 2);
  assert.deepEqual(d?.transactions, fullStatusFixture('mysql-8.0-manual-animals-birds.txt').transactions);
});

test('an error-log dump cut short ends at the next line from another subsystem', () => {
  const log = [
    '2022-11-25T15:58:22.610212Z 0 [Note] [MY-012468] [InnoDB] Transactions deadlock detected, dumping detailed information.',
    '2022-11-25T15:58:22.610251Z 0 [Note] [MY-012469] [InnoDB]  *** (1) TRANSACTION: ',
    'TRANSACTION 43260, ACTIVE 186 sec starting index read',
    'MySQL thread id 19, OS thread handle 139815619204864, query id 143 localhost u2 updating',
    "UPDATE Animals SET value=30 WHERE name='Aardvark'",
    '2022-11-25T15:58:23.000000Z 0 [System] [MY-010910] [Server] /usr/sbin/mysqld: Shutdown complete (mysqld 8.0.31).',
    'a stray line after the dump',
  ].join('\n');
  const [d] = parseErrorLogDeadlocks(log);
  assert.equal(d?.victim, null);
  assert.equal(d?.transactions[0]?.query, "UPDATE Animals SET value=30 WHERE name='Aardvark'");
});

test('a retried statement deadlocking again with the same partner is a second deadlock (live capture)', () => {
  // MariaDB prints a transaction that has not written yet by its address, which the connection keeps
  // across retries: both dumps show the same two transaction ids, only the retried statement's query id differs.
  const dumps = parseErrorLogDeadlocks(fixture('mariadb-10.11-error-retried-trx.log'));
  const ids = (d: ParsedDeadlock): string[] => d.transactions.map((trx) => `${trx.id} thread ${trx.threadId} query ${trx.queryId}`);
  assert.deepEqual(dumps.map(ids), [
    ['741813 thread 1153 query 571906', '(0x7f8dbab17e80) thread 1157 query 571877'],
    ['741813 thread 1153 query 571906', '(0x7f8dbab17e80) thread 1157 query 572002'],
  ]);
  assert.deepEqual(
    mergeSources([], dumps).map((d) => d.sources),
    [['error-log'], ['error-log']],
  );
});

test('mergeSources: a polled deadlock that is also in the log is one entry; polled-only ones come last', () => {
  const [first, second] = parseErrorLogDeadlocks(fixture('mariadb-10.11-error-retried-trx.log'));
  assert.ok(first && second);
  const polledSecond: ParsedDeadlock = { ...second, time: '2026-11-30 10:31:24', source: 'innodb-status' };
  const polledElsewhere = sectionFixture('mariadb-10.11-crossed-rows.txt');
  const merged = mergeSources([polledSecond, polledElsewhere], [first, second]);
  assert.deepEqual(
    merged.map((d) => [d.transactions.map((trx) => trx.queryId).join(','), d.sources]),
    [
      ['571906,571877', ['error-log']],
      ['571906,572002', ['innodb-status', 'error-log']],
      [polledElsewhere.transactions.map((trx) => trx.queryId).join(','), ['innodb-status']],
    ],
  );
  // Two polls never merge with each other, nor with one dump twice.
  assert.equal(mergeSources([polledSecond, polledSecond], [second]).length, 2);
});

test("another session's message inside a dump is skipped; the dump goes on", () => {
  const log = fixture('mariadb-10.11-error-retried-trx.log').split('\n');
  const at = log.findIndex((line) => line.endsWith('[Note] InnoDB: *** CONFLICTING WITH:'));
  const interleaved = [
    ...log.slice(0, at),
    "2026-11-30 10:31:24 1170 [Warning] Aborted connection 1170 to db: 'ib_infra_dl' user: 'root' host: '127.0.0.1' (Got an error reading communication packets)",
    'a bare line that belongs to that message',
    ...log.slice(at),
  ];
  assert.deepEqual(parseErrorLogDeadlocks(interleaved.join('\n')), parseErrorLogDeadlocks(log.join('\n')));
});

test('no dumps in a log without deadlocks', () => {
  assert.deepEqual(parseErrorLogDeadlocks(fixture('mariadb-10.11-error.log').split('\n').slice(0, 20).join('\n')), []);
});

test('deadlocks differing only in ids, times and literals have one shape', () => {
  const first = sectionFixture('mariadb-10.11-gap-insert-intention-1.txt');
  const second = sectionFixture('mariadb-10.11-gap-insert-intention-2.txt');
  assert.notDeepEqual(
    first.transactions.map((trx) => [trx.id, trx.query]),
    second.transactions.map((trx) => [trx.id, trx.query]),
  );
  assert.equal(deadlockShape(first), deadlockShape(second));
  const transactionShape =
    `INSERT INTO image (member_id, path) VALUES (?+) | holds: RECORD X,GAP ${LIVE_DB}.image index idx_member` +
    ` | waits: RECORD X,GAP,INSERT_INTENTION ${LIVE_DB}.image index idx_member`;
  assert.equal(deadlockShape(first), `${transactionShape}\n${transactionShape}`);
});

test('different lock patterns have different shapes', () => {
  const shapes = [
    sectionFixture('mariadb-10.11-gap-insert-intention-1.txt'),
    sectionFixture('mariadb-10.11-crossed-rows.txt'),
    fullStatusFixture('mariadb-10.11-innodb-status-autoinc-full.txt'),
    fullStatusFixture('mysql-8.0-manual-animals-birds.txt'),
    fullStatusFixture('pt-deadlock-logger-bug_1082104.txt'),
  ].map(deadlockShape);
  assert.equal(new Set(shapes).size, shapes.length);
});

test('summarizeShapes counts each shape, most frequent first', () => {
  const deadlocks = parseErrorLogDeadlocks(fixture('mariadb-10.11-error.log'));
  const summary = summarizeShapes(deadlocks);
  assert.deepEqual(
    summary.map(({ count, example }) => [count, example.transactions[0]?.query]),
    [
      [2, "INSERT INTO image (member_id, path) VALUES (22, '/img/22/new.jpg')"],
      // The two single deadlocks come in shape order: "INSERT INTO image_copy ..." < "UPDATE image ...".
      [1, 'INSERT INTO image_copy (member_id) VALUES (99)'],
      [1, "UPDATE image SET path='/img/y2.jpg' WHERE id=1"],
    ],
  );
  assert.equal(summary[0]?.example, deadlocks[0]);
  assert.deepEqual(summarizeShapes([]), []);
});

test('formatDeadlockText renders one block per deadlock', () => {
  const d = fullStatusFixture('mysql-8.0-manual-animals-birds.txt');
  assert.equal(
    formatDeadlockText(d),
    [
      'deadlock at 2022-11-25 15:58:22 [innodb-status], rolled back: (2)',
      '  (1) trx 43260, thread 19',
      "      query: UPDATE Animals SET value=30 WHERE name='Aardvark'",
      '      holds: RECORD S,REC_NOT_GAP test.Birds index PRIMARY',
      '      waits: RECORD X,REC_NOT_GAP test.Animals index PRIMARY',
      '  (2) trx 43261, thread 18  <- rolled back',
      "      query: UPDATE Birds SET value=40 WHERE name='Buzzard'",
      '      holds: RECORD S,REC_NOT_GAP test.Animals index PRIMARY',
      '      waits: RECORD X,REC_NOT_GAP test.Birds index PRIMARY',
    ].join('\n'),
  );
});

test('formatDeadlockText shortens long statements and says what is missing', () => {
  const longValue = 'v'.repeat(400);
  const d: ParsedDeadlock = {
    time: '',
    victim: null,
    source: 'error-log',
    transactions: [{ ordinal: 1, id: '7', query: `INSERT INTO t VALUES ('${longValue}')`, holds: [], waitsFor: [] }],
  };
  const [header, trx, query, holds] = formatDeadlockText(d).split('\n');
  assert.equal(header, 'deadlock at unknown time [error-log], rolled back: none reported');
  assert.equal(trx, '  (1) trx 7');
  assert.ok(query?.endsWith('...'));
  assert.equal(query?.length, '      query: '.length + 300 + 3);
  assert.equal(holds, '      holds: none reported');
});
