/**
 * The verdict of a switchback run: one continuous run whose setting flipped between two values
 * every slot, in randomised A B B A / B A A B blocks (RMIT's randomised interleaving, taken down to
 * seconds). Both arms share the server, its data and the moment, so a level shift of the machine
 * hits both; only carry-over from one slot into the next can bias the comparison, and it is checked.
 *
 * Each slot's throughput comes from its intervals after the first `dropIntervals` (the settling
 * after a change); each block's two pairs of adjacent slots give one log-ratio B/A each (batch
 * means over a whole slot, not naive 1 s intervals, whose autocorrelation would overstate the
 * precision); the effect and its interval come from the pairs' log-ratios, so they are ratios that
 * can never cross zero throughput.
 */
import { mean, sampleStdDev, studentTQuantile } from './stats.js';

export interface SwitchbackInterval {
  seq: number;
  seconds: number;
  ops: number;
  /** The arm in effect over the whole interval (its label). */
  arm: string;
  /** The machine was disturbed in it (other processes' CPU, steal: see disturbance.ts). */
  disturbed?: boolean;
}

export interface SwitchbackDesign {
  /** [A, B]: the effect is B against A. */
  labels: readonly [string, string];
  slotIntervals: number;
  dropIntervals: number;
}

export interface SlotFigure {
  slot: number;
  arm: string;
  opsPerSec: number;
  /** Over the first and the second half of the kept intervals (the carry-over check). */
  firstHalf: number;
  secondHalf: number;
  /** A kept interval of the slot was disturbed. */
  disturbed: boolean;
}

export interface RatioEstimate {
  /** 100 · (B/A − 1). */
  changePct: number;
  /** Null with fewer than 2 pairs. */
  ciPct: { lo: number; hi: number } | null;
  n: number;
}

export interface SwitchbackVerdict {
  labels: readonly [string, string];
  slots: SlotFigure[];
  pairs: number;
  effect: RatioEstimate & { significant: boolean; halfWidthPct: number | null; detectablePct: number | null };
  /** Pairs with a disturbed interval in either slot, and the effect over the other pairs alone (null when none was disturbed, or fewer than 2 are left). */
  disturbedPairs: number;
  quietEffect: RatioEstimate | null;
  /** The effect over the first and second halves of the slots, and whether it grew within a slot. */
  carryOver: { firstHalfPct: number; secondHalfPct: number; difference: RatioEstimate; memory: boolean } | null;
  text: string;
}

const LEVEL = 0.95;
/** The smallest growth of the effect within a slot, in percentage points, that is called memory. */
const MEMORY_MIN_PCT = 1;
const POWER = 0.8;

export function switchbackVerdict(intervals: readonly SwitchbackInterval[], design: SwitchbackDesign): SwitchbackVerdict {
  const slots = slotFigures(intervals, design);
  const pairs = slotPairs(slots, design.labels);
  const logRatios = pairs.map(([a, b]) => Math.log(b.opsPerSec / a.opsPerSec));
  const effect = { ...ratioEstimate(logRatios), ...precision(logRatios) };
  const carryOver = carryOverCheck(pairs);
  const quiet = pairs.filter(([a, b]) => !a.disturbed && !b.disturbed);
  const disturbedPairs = pairs.length - quiet.length;
  const quietEffect = disturbedPairs > 0 && quiet.length >= 2 ? ratioEstimate(quiet.map(([a, b]) => Math.log(b.opsPerSec / a.opsPerSec))) : null;
  const verdict = { labels: design.labels, slots, pairs: pairs.length, effect, disturbedPairs, quietEffect, carryOver };
  return { ...verdict, text: verdictText(verdict, design) };
}

/** Whole slots only (a slot cut short by the end is left out), each from its kept intervals. */
function slotFigures(intervals: readonly SwitchbackInterval[], design: SwitchbackDesign): SlotFigure[] {
  const bySlot = new Map<number, SwitchbackInterval[]>();
  for (const interval of intervals) {
    const slot = Math.floor((interval.seq - 1) / design.slotIntervals);
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), interval]);
  }
  const figures: SlotFigure[] = [];
  for (const [slot, list] of [...bySlot].sort(([a], [b]) => a - b)) {
    if (list.length !== design.slotIntervals || new Set(list.map((i) => i.arm)).size !== 1) continue;
    const kept = list.slice(design.dropIntervals);
    if (kept.length === 0) continue;
    const half = Math.floor(kept.length / 2);
    figures.push({ slot, arm: list[0]!.arm, opsPerSec: rate(kept), firstHalf: rate(kept.slice(0, Math.max(1, half))), secondHalf: rate(kept.slice(half)), disturbed: kept.some((i) => i.disturbed === true) });
  }
  return figures;
}

function rate(intervals: readonly SwitchbackInterval[]): number {
  const seconds = intervals.reduce((sum, i) => sum + i.seconds, 0);
  return seconds > 0 ? intervals.reduce((sum, i) => sum + i.ops, 0) / seconds : 0;
}

/** Adjacent slots 2k and 2k+1 (the two halves of an A B or B A pair), as [A, B]; a pair missing a side, or with no throughput, is left out. */
function slotPairs(slots: readonly SlotFigure[], labels: readonly [string, string]): Array<[SlotFigure, SlotFigure]> {
  const bySlot = new Map(slots.map((s) => [s.slot, s]));
  const pairs: Array<[SlotFigure, SlotFigure]> = [];
  for (const slot of slots) {
    if (slot.slot % 2 !== 0) continue;
    const next = bySlot.get(slot.slot + 1);
    if (!next || next.arm === slot.arm) continue;
    const [a, b] = slot.arm === labels[0] ? [slot, next] : [next, slot];
    if (a.arm === labels[0] && b.arm === labels[1] && a.opsPerSec > 0 && b.opsPerSec > 0) pairs.push([a, b]);
  }
  return pairs;
}

function ratioEstimate(logRatios: readonly number[]): RatioEstimate {
  const n = logRatios.length;
  const m = n > 0 ? mean(logRatios) : NaN;
  const changePct = 100 * (Math.exp(m) - 1);
  if (n < 2) return { changePct, ciPct: null, n };
  const half = studentTQuantile((1 + LEVEL) / 2, n - 1) * (sampleStdDev(logRatios) / Math.sqrt(n));
  return { changePct, ciPct: { lo: 100 * (Math.exp(m - half) - 1), hi: 100 * (Math.exp(m + half) - 1) }, n };
}

/** Half-width of the interval, and the smallest effect these pairs could detect (5 % two-sided, 80 % power). */
function precision(logRatios: readonly number[]): { significant: boolean; halfWidthPct: number | null; detectablePct: number | null } {
  const n = logRatios.length;
  if (n < 2) return { significant: false, halfWidthPct: null, detectablePct: null };
  const se = sampleStdDev(logRatios) / Math.sqrt(n);
  const t = studentTQuantile((1 + LEVEL) / 2, n - 1);
  const m = mean(logRatios);
  return { significant: Math.abs(m) > t * se, halfWidthPct: 100 * (Math.exp(t * se) - 1), detectablePct: 100 * (Math.exp((t + studentTQuantile(POWER, n - 1)) * se) - 1) };
}

/**
 * A setting with memory (a change whose effect builds up over seconds, or one that leaves work for
 * the next slot) shows an effect that grows from the first to the second half of a slot.
 */
function carryOverCheck(pairs: ReadonlyArray<[SlotFigure, SlotFigure]>): SwitchbackVerdict['carryOver'] {
  if (pairs.length < 2) return null;
  const first = pairs.map(([a, b]) => Math.log(b.firstHalf / a.firstHalf));
  const second = pairs.map(([a, b]) => Math.log(b.secondHalf / a.secondHalf));
  if (![...first, ...second].every(Number.isFinite)) return null;
  const difference = ratioEstimate(second.map((s, i) => s - first[i]!));
  const firstHalfPct = 100 * (Math.exp(mean(first)) - 1);
  const secondHalfPct = 100 * (Math.exp(mean(second)) - 1);
  // Significant is not enough: with many pairs a growth of a few tenths of a percent is
  // significant and changes nothing a user would decide; it must also be a sizeable part of the effect.
  const growth = Math.abs(secondHalfPct - firstHalfPct);
  const significant = difference.ciPct !== null && (difference.ciPct.lo > 0 || difference.ciPct.hi < 0);
  const memory = significant && growth >= MEMORY_MIN_PCT && growth >= 0.25 * Math.max(Math.abs(firstHalfPct), Math.abs(secondHalfPct));
  return { firstHalfPct, secondHalfPct, difference, memory };
}

const pct = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(1)} %`;

function verdictText(v: Omit<SwitchbackVerdict, 'text'>, design: SwitchbackDesign): string {
  const [a, b] = v.labels;
  const { effect } = v;
  if (effect.ciPct === null) return `switchback ${b} vs ${a}: ${v.pairs} pair(s) of whole slots, too few for an interval (a longer run gives more)`;
  const interval = `${pct(effect.changePct)} [${pct(effect.ciPct.lo)}, ${pct(effect.ciPct.hi)}] over ${v.pairs} pairs of slots (${design.slotIntervals} intervals each, the first ${design.dropIntervals} dropped)`;
  const call = effect.significant ? `${b} is ${effect.changePct > 0 ? 'faster' : 'slower'} than ${a}` : `no difference shown: an effect of ±${effect.detectablePct!.toFixed(1)} % could have been detected`;
  const memory = v.carryOver?.memory
    ? `; but the effect grows within a slot (${pct(v.carryOver.firstHalfPct)} in its first half, ${pct(v.carryOver.secondHalfPct)} in its second): the setting has memory, so slots this short do not show its steady effect — use longer slots (--slot) or separate runs (--design blocks)`
    : '';
  return `switchback ${b} vs ${a}: ${interval}: ${call}${memory}${disturbedText(v)}`;
}

/** The pairs the machine disturbed, and the effect without them (summary.machine names the intervals). */
function disturbedText(v: Omit<SwitchbackVerdict, 'text'>): string {
  if (v.disturbedPairs === 0) return '';
  const quiet = v.quietEffect?.ciPct ? `; over the ${v.quietEffect.n} quiet pairs alone ${pct(v.quietEffect.changePct)} [${pct(v.quietEffect.ciPct.lo)}, ${pct(v.quietEffect.ciPct.hi)}]` : '';
  return `; the machine was disturbed in ${v.disturbedPairs} of the ${v.pairs} pairs (summary.machine names the intervals)${quiet}`;
}
