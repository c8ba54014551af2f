import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locksIn, ownedLocksIn } from './lockLines.js';

const GAP_WAIT =
  'RECORD LOCKS space id 15 page no 4 n bits 320 index idx_member of table `db`.`image` trx id 40097 lock_mode X locks gap before rec insert intention waiting';
const REC_HELD = 'RECORD LOCKS space id 15 page no 3 n bits 320 index `PRIMARY` of table `db`.`image` trx id 40104 lock mode S locks rec but not gap';
const TABLE_HELD = 'TABLE LOCK table `db`.`t` trx id 421 lock mode AUTO-INC';

test('a record lock line: index, table, mode, its flags and whether it waits', () => {
  assert.deepEqual(ownedLocksIn([`  ${GAP_WAIT}  `]), [
    {
      lock: { lockType: 'RECORD', table: 'db.image', index: 'idx_member', mode: 'X', gap: true, recordOnly: false, insertIntention: true, raw: GAP_WAIT },
      trxId: '40097',
      waiting: true,
    },
  ]);
  const [held] = ownedLocksIn([REC_HELD]);
  assert.equal(held?.waiting, false);
  assert.deepEqual(
    { index: held?.lock.index, mode: held?.lock.mode, recordOnly: held?.lock.recordOnly, gap: held?.lock.gap },
    { index: 'PRIMARY', mode: 'S', recordOnly: true, gap: false },
  );
});

test('a table lock line has no index', () => {
  assert.deepEqual(locksIn([TABLE_HELD]), [
    { lockType: 'TABLE', table: 'db.t', mode: 'AUTO-INC', gap: false, recordOnly: false, insertIntention: false, raw: TABLE_HELD },
  ]);
});

test('the record dumps under a lock line are not locks', () => {
  const lines = [REC_HELD, 'Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0', ' 0: len 4; hex 80000001; asc     ;;', ''];
  assert.deepEqual(
    locksIn(lines).map((lock) => lock.raw),
    [REC_HELD],
  );
});
