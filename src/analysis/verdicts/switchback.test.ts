import { test } from 'node:test';
import assert from 'node:assert/strict';
import { switchbackVerdict, type SwitchbackInterval } from './switchback.js';
import { seededRandom } from '../../data/random.js';

const DESIGN = { labels: ['1', '2'] as const, slotIntervals: 4, dropIntervals: 1 };

/** ABBA / BAAB blocks; `level(seq)` is the machine's drift, `effect(arm, k)` the arm's factor at the k-th interval of its slot. */
function series(slots: number, effect: (arm: string, k: number) => number, noise: number, seed = 7, level = (_seq: number) => 1): SwitchbackInterval[] {
  const random = seededRandom(seed);
  const order: string[] = [];
  while (order.length < slots) order.push(...(random() < 0.5 ? ['1', '2', '2', '1'] : ['2', '1', '1', '2']));
  const intervals: SwitchbackInterval[] = [];
  for (let slot = 0; slot < slots; slot++) {
    for (let k = 0; k < DESIGN.slotIntervals; k++) {
      const seq = slot * DESIGN.slotIntervals + k + 1;
      const arm = order[slot]!;
      intervals.push({ seq, seconds: 1, arm, ops: Math.round(5000 * level(seq) * effect(arm, k) * (1 + noise * (random() - 0.5))) });
    }
  }
  return intervals;
}

test('a 5 % effect under 4 % noise and slow level shifts of ±15 %: found, inside its interval, no memory', () => {
  const drift = (seq: number): number => 1 + 0.15 * Math.sin(seq / 40);
  const verdict = switchbackVerdict(series(80, (arm) => (arm === '2' ? 1.05 : 1), 0.04, 3, drift), DESIGN);
  assert.equal(verdict.pairs, 40);
  assert.ok(verdict.effect.ciPct!.lo < 5 && verdict.effect.ciPct!.hi > 5, JSON.stringify(verdict.effect));
  assert.ok(verdict.effect.significant);
  assert.ok(Math.abs(verdict.effect.changePct - 5) < 1.5, String(verdict.effect.changePct));
  assert.equal(verdict.carryOver!.memory, false);
  assert.match(verdict.text, /^switchback 2 vs 1: \+\d\.\d % \[\+\d\.\d %, \+\d\.\d %\] over 40 pairs of slots .*: 2 is faster than 1$/);
});

test('A/A: no difference shown, with the effect it could have detected', () => {
  const verdict = switchbackVerdict(series(60, () => 1, 0.04), DESIGN);
  assert.equal(verdict.effect.significant, false);
  assert.ok(verdict.effect.ciPct!.lo < 0 && verdict.effect.ciPct!.hi > 0);
  assert.match(verdict.text, /no difference shown: an effect of ±\d+\.\d % could have been detected$/);
});

test('an effect that builds up within a slot is called memory, with what to do instead', () => {
  // B's gain grows from 0 at the start of a slot to 12 % at its end.
  const verdict = switchbackVerdict(series(60, (arm, k) => (arm === '2' ? 1 + 0.04 * k : 1), 0.01), DESIGN);
  assert.ok(verdict.carryOver!.memory, JSON.stringify(verdict.carryOver));
  assert.ok(verdict.carryOver!.secondHalfPct > verdict.carryOver!.firstHalfPct);
  assert.match(verdict.text, /the setting has memory.*--slot.*--design blocks/);
});

test('the first intervals of each slot are dropped, a slot cut short by the end is left out', () => {
  // The first interval after each change is a tenth of the rest: dropped, it cannot show.
  const intervals = series(8, (_arm, k) => (k === 0 ? 0.1 : 1), 0).concat([{ seq: 33, seconds: 0.5, ops: 1, arm: '1' }]);
  const verdict = switchbackVerdict(intervals, DESIGN);
  assert.equal(verdict.slots.length, 8);
  for (const slot of verdict.slots) assert.equal(slot.opsPerSec, 5000);
  assert.equal(verdict.effect.changePct, 0);
});

test('one pair: an estimate but no interval', () => {
  const verdict = switchbackVerdict(series(2, () => 1, 0), DESIGN);
  assert.equal(verdict.pairs, 1);
  assert.equal(verdict.effect.ciPct, null);
  assert.match(verdict.text, /too few for an interval/);
});

test('pairs the machine disturbed are counted, and the effect is given over the quiet pairs alone', () => {
  // A 5 % effect; in slots 8–15 another process halves B's throughput (and marks the intervals disturbed).
  const intervals = series(40, (arm) => (arm === '2' ? 1.05 : 1), 0.02).map((interval) => {
    const slot = Math.floor((interval.seq - 1) / DESIGN.slotIntervals);
    const hit = slot >= 8 && slot < 16;
    return hit ? { ...interval, ops: interval.arm === '2' ? interval.ops / 2 : interval.ops, disturbed: true } : interval;
  });
  const verdict = switchbackVerdict(intervals, DESIGN);
  assert.equal(verdict.disturbedPairs, 4);
  // Over all pairs the halved slots drag the effect far below 5 %; over the quiet ones it is back near it.
  assert.ok(verdict.effect.changePct < -5, String(verdict.effect.changePct));
  assert.ok(Math.abs(verdict.quietEffect!.changePct - 5) < 1, JSON.stringify(verdict.quietEffect));
  assert.equal(verdict.quietEffect!.n, 16);
  assert.match(verdict.text, /; the machine was disturbed in 4 of the 20 pairs \(summary.machine names the intervals\); over the 16 quiet pairs alone \+\d\.\d %/);
  assert.equal(switchbackVerdict(series(40, () => 1, 0.02), DESIGN).quietEffect, null);
});
