import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../src/data/random.js';
import type { LibraryDraws } from '../src/script/expression.js';
import { parseScripts } from '../src/script/parse.js';
import { scriptRunner } from './scriptRunner.js';

const draws: LibraryDraws = {
  memberId: () => 1,
  nextMemberId: (() => {
    let n = 0;
    return () => ++n;
  })(),
  groupId: () => 1,
  feature: () => Buffer.alloc(1),
  fileId: () => 'f',
  description: () => 'd',
};

test('weights pick the script each time one starts: 3 to 1', () => {
  const scripts = parseScripts([
    { path: 'heavy.sql', weight: 3, text: 'SELECT 1;' },
    { path: 'light.sql', weight: 1, text: 'SELECT 2;' },
  ]);
  const runner = scriptRunner(scripts, new Map(), seededRandom(5), draws, { worker: 0 });
  const picks = Array.from({ length: 8000 }, () => runner.next().script.name);
  const heavy = picks.filter((name) => name === 'heavy').length / picks.length;
  assert.ok(Math.abs(heavy - 0.75) < 0.02, `heavy share ${heavy}`);
});

test("a script's units run in order, variables carried from one to the next; a unit that failed ends the script", () => {
  const [script] = parseScripts([{ path: 's.sql', weight: 1, text: '\\set a next_member_id(1)\nSELECT :a;\n\\set b :a * 10\nSELECT :b;\nSELECT :worker;' }]);
  const runner = scriptRunner([script!], new Map(), seededRandom(1), draws, { worker: 7 });
  const first = runner.next();
  assert.equal(first.unit, 0);
  assert.equal(first.variables.get('a'), 1);
  assert.equal(first.variables.get('worker'), 7);
  first.after = first.variables;
  const second = runner.next();
  assert.equal(second.unit, 1);
  assert.equal(second.variables.get('b'), 10);
  // No `after`: the unit failed for good, so the next operation starts the script again.
  const again = runner.next();
  assert.equal(again.unit, 0);
  assert.equal(again.variables.get('a'), 2, 'the top-level \\set is evaluated once per operation');
});

test('a top-level \\set that cannot be evaluated fails its operation instead of the worker', () => {
  const [script] = parseScripts([{ path: 'z.sql', weight: 1, text: '\\set a 1 / 0\nSELECT :a;' }]);
  const item = scriptRunner([script!], new Map(), seededRandom(1), draws, {}).next();
  assert.match(String(item.failed), /division by zero/);
});
