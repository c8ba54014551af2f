/**
 * Paired comparison over interleaved blocks (pure). A block holds every configuration, in the
 * matrix's blocks order twice: A B B A. Within a block a configuration's figure is the mean of its
 * runs there, and the block's difference is B's against A's, in percent of A's: a shared machine's
 * drift, which moves both sides of one block alike (and a linear drift exactly cancels in A B B A),
 * leaves the differences, and only the block-to-block noise remains.
 *
 * Over n blocks: the mean difference with a Student-t interval (n − 1 degrees of freedom); the
 * smallest effect the comparison could have detected, (t(0.975) + t(0.80)) · s / √n (two-sided 5 %,
 * 80 % power); and how many blocks would bring the interval's half-width down to a target.
 */
import { formatSignedPercent, mean, sampleStdDev, studentTQuantile } from './stats.js';

export interface BlockRun {
  block: number;
  label: string;
  value: number;
}

export interface PairedDiff {
  label: string;
  reference: string;
  /** Per block: 100 · (B − A) / A. */
  blockDiffsPct: number[];
  n: number;
  changePct: number;
  /** Null with fewer than 2 blocks. */
  ciPct: { lo: number; hi: number } | null;
  halfWidthPct: number | null;
  significant: boolean;
  /** Smallest effect detectable at this noise with these blocks (5 % two-sided, 80 % power). */
  detectablePct: number | null;
  level: number;
}

const POWER = 0.8;

/** B against A per block, where the block holds both; blocks missing a side are left out. */
export function pairedDiff(runs: readonly BlockRun[], reference: string, label: string, level = 0.95): PairedDiff {
  const blocks = new Map<number, { a: number[]; b: number[] }>();
  for (const run of runs) {
    if (run.label !== reference && run.label !== label) continue;
    if (!Number.isFinite(run.value)) continue;
    let block = blocks.get(run.block);
    if (!block) blocks.set(run.block, (block = { a: [], b: [] }));
    (run.label === reference ? block.a : block.b).push(run.value);
  }
  const diffs: number[] = [];
  for (const key of [...blocks.keys()].sort((x, y) => x - y)) {
    const { a, b } = blocks.get(key)!;
    if (a.length === 0 || b.length === 0) continue;
    const meanA = mean(a);
    if (meanA === 0) continue;
    diffs.push((100 * (mean(b) - meanA)) / meanA);
  }
  const n = diffs.length;
  const changePct = n > 0 ? mean(diffs) : NaN;
  if (n < 2) return { label, reference, blockDiffsPct: diffs, n, changePct, ciPct: null, halfWidthPct: null, significant: false, detectablePct: null, level };
  const standardError = sampleStdDev(diffs) / Math.sqrt(n);
  const halfWidthPct = studentTQuantile((1 + level) / 2, n - 1) * standardError;
  const ciPct = { lo: changePct - halfWidthPct, hi: changePct + halfWidthPct };
  const detectablePct = (studentTQuantile((1 + level) / 2, n - 1) + studentTQuantile(POWER, n - 1)) * standardError;
  return { label, reference, blockDiffsPct: diffs, n, changePct, ciPct, halfWidthPct, significant: ciPct.lo > 0 || ciPct.hi < 0, detectablePct, level };
}

/**
 * Blocks in all that would bring the half-width to `targetPct` at the block-to-block spread seen
 * so far (the spread taken as known: an estimate, not a promise); null with fewer than 2 blocks.
 */
export function blocksForTarget(diff: PairedDiff, targetPct: number, maxBlocks = 1000): number | null {
  if (diff.n < 2 || diff.halfWidthPct === null) return null;
  if (diff.halfWidthPct <= targetPct) return diff.n;
  const sd = sampleStdDev(diff.blockDiffsPct);
  for (let n = Math.max(2, diff.n); n <= maxBlocks; n++) {
    if ((studentTQuantile((1 + diff.level) / 2, n - 1) * sd) / Math.sqrt(n) <= targetPct) return n;
  }
  return null;
}

/** "+4.1 % [+1.2 %, +7.0 %]" (one decimal below 10 %, whole percents above). */
export function formatPaired(diff: PairedDiff): string {
  if (diff.ciPct === null) return `${formatPct(diff.changePct)} (${diff.n} block${diff.n === 1 ? '' : 's'}: no interval)`;
  const text = `${formatPct(diff.changePct)} [${formatPct(diff.ciPct.lo)}, ${formatPct(diff.ciPct.hi)}]`;
  return diff.significant ? text : `no significant difference (${text})`;
}

function formatPct(value: number): string {
  return formatSignedPercent(value, Math.abs(value) < 10 ? 1 : 0);
}
