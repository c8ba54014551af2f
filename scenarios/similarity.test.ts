import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosine, norm, TopMembers } from './similarity.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

test('cosine of a vector with itself is 1, with an orthogonal one 0', () => {
  const a = bytes(1, 2, 3, 0);
  assert.ok(Math.abs(cosine(a, norm(a), a) - 1) < 1e-12);
  assert.equal(cosine(bytes(1, 0), 1, bytes(0, 5)), 0);
  assert.equal(cosine(bytes(0, 0), 0, bytes(1, 1)), 0);
});

test('a member holding the probe itself ranks first, scored by its best image', () => {
  const probe = Uint8Array.from({ length: 2000 }, (_, i) => (i * 37) % 251);
  const top = new TopMembers(probe);
  const noise = (seed: number): Uint8Array => Uint8Array.from({ length: 2000 }, (_, i) => (i * seed * 7919) % 256);
  for (let member = 1; member <= 50; member++) for (let image = 0; image < 10; image++) top.add(member, noise(member * 10 + image));
  top.add(77, noise(3));
  top.add(77, probe);
  const ranked = top.top(5);
  assert.equal(ranked.length, 5);
  assert.equal(ranked[0]!.member, 77);
  assert.ok(Math.abs(ranked[0]!.score - 1) < 1e-12);
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1]!.score >= ranked[i]!.score);
});
