import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../data/random.js';
import { ScriptValueError, evaluate, exponential, gaussian, parseExpression, uniform, type LibraryDraws, type Scope, type Value } from './expression.js';

const draws: LibraryDraws = {
  memberId: (_random, group) => (group === undefined ? 7 : group * 100),
  nextMemberId: (group) => group * 1000,
  groupId: () => 3,
  feature: () => Buffer.from('ff', 'hex'),
  fileId: () => 'f',
  description: () => 'd',
};

function value(text: string, variables: Record<string, Value> = {}, random = seededRandom(1)): Value {
  const scope: Scope = { variables: new Map(Object.entries(variables)), random, draws };
  return evaluate(parseExpression(text), scope);
}

test('arithmetic as pgbench: precedence, division of whole numbers truncates, decimals stay decimal', () => {
  assert.equal(value('1 + 2 * 3'), 7);
  assert.equal(value('(1 + 2) * 3'), 9);
  assert.equal(value('7 / 2'), 3);
  assert.equal(value('-7 / 2'), -3);
  assert.equal(value('7.5 / 2'), 3.75);
  assert.equal(value('7 % 3'), 1);
  assert.equal(value('- - 2'), 2);
  assert.equal(value(':a * 2 + :b', { a: 4, b: 1 }), 9);
  assert.equal(value('abs(-3) + least(2, 5) + greatest(2, 5)'), 10);
  assert.throws(() => value('1 / 0'), ScriptValueError);
  assert.throws(() => value('1 % (2 - 2)'), ScriptValueError);
});

test('library draws come from the worker: member_id with and without a group, next_member_id, feature, text', () => {
  assert.equal(value('member_id()'), 7);
  assert.equal(value('member_id(2)'), 200);
  assert.equal(value('next_member_id(1)'), 1000);
  assert.equal(value('group_id()'), 3);
  assert.deepEqual(value('feature()'), Buffer.from('ff', 'hex'));
  assert.equal(value("'it''s'"), "it's");
});

test('random stays within its bounds and reaches both ends; bounds the wrong way round are an error', () => {
  const random = seededRandom(42);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) seen.add(Number(value('random(1, 5)', {}, random)));
  assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5]);
  assert.equal(uniform(3, 3, 0.999), 3);
  assert.throws(() => uniform(5, 1, 0.5), /lower bound is above/);
});

test('random_gaussian centres on the middle; random_exponential leans to the low end', () => {
  const random = seededRandom(7);
  const n = 20000;
  const g = Array.from({ length: n }, () => gaussian(1, 100, 2.5, random));
  const e = Array.from({ length: n }, () => exponential(1, 100, 3, random()));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(g.every((x) => x >= 1 && x <= 100) && e.every((x) => x >= 1 && x <= 100));
  assert.ok(Math.abs(mean(g) - 50.5) < 1.5, `gaussian mean ${mean(g)}`);
  const middle = g.filter((x) => x > 25 && x <= 75).length / n;
  assert.ok(middle > 0.7, `gaussian middle share ${middle}`);
  // Exponential with p = 3 over 1..100: mean ≈ 100·(1/3 − e^-3/(1 − e^-3)) ≈ 28.1.
  assert.ok(Math.abs(mean(e) - 28.1) < 1.5, `exponential mean ${mean(e)}`);
  assert.throws(() => gaussian(1, 10, 1.5, random), /at least 2/);
  assert.throws(() => exponential(1, 10, 0, 0.5), /greater than 0/);
});
