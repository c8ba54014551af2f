import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../data/random.js';
import { MemberIndex } from './memberIndex.js';

const index = (): MemberIndex =>
  new MemberIndex([
    { groupId: 1, first: 1, count: 3 },
    { groupId: 2, first: 0, count: 2, ids: [10, 12] },
    { groupId: 5, first: 20, count: 1 },
  ]);

test('member_id draws only existing ids, every one of them, from all groups or one', () => {
  const members = index();
  const random = seededRandom(3);
  const all = new Set(Array.from({ length: 600 }, () => members.memberId(random)));
  assert.deepEqual([...all].sort((a, b) => a - b), [1, 2, 3, 10, 12, 20]);
  const second = new Set(Array.from({ length: 100 }, () => members.memberId(random, 2)));
  assert.deepEqual([...second].sort((a, b) => a - b), [10, 12]);
  assert.throws(() => members.memberId(random, 4), /group 4 has no members/);
});

test('next_member_id walks a group in id order and starts again', () => {
  const members = index();
  assert.deepEqual(Array.from({ length: 5 }, () => members.nextMemberId(1)), [1, 2, 3, 1, 2]);
  assert.deepEqual(Array.from({ length: 3 }, () => members.nextMemberId(2)), [10, 12, 10]);
});

test('group_id draws a group; an empty library says so', () => {
  const random = seededRandom(9);
  assert.ok([1, 2, 5].includes(index().groupId(random)));
  assert.throws(() => new MemberIndex([]).memberId(random), /no members/);
  assert.throws(() => new MemberIndex([]).groupId(random), /no groups/);
});
