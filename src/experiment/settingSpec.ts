/**
 * The matrix's plan, pure: `--set name=v1,v2` parsed into settings, every combination of their
 * values, the order the runs happen in, and the rule that judges a value in effect equal to the
 * one requested.
 *
 * Verification rule: a value matches when the server reports exactly it; numbers compare as
 * numbers (0.5 = 0.500000); ON/OFF compare with 1/0, TRUE/FALSE, YES/NO; sizes (a value written
 * with a unit, or a variable whose name ends in _size, or innodb_redo_log_capacity) also match when the server
 * rounded them by less than the variable's block size (MariaDB's
 * information_schema.SYSTEM_VARIABLES.NUMERIC_BLOCK_SIZE, e.g. 4096 for innodb_log_file_size;
 * 1 MiB, MySQL's redo rounding unit, where the server does not say). Anything else refuses the run.
 */
import { parseSizeBytes, type Parsed } from '../config/units.js';
import { seededRandom } from '../data/random.js';

const DEFAULT_SIZE_TOLERANCE = 1024 * 1024;

export interface SettingValue {
  /** As written: "48M", "2", "O_DIRECT". */
  text: string;
  /** As sent to the server: bytes for sizes, numbers for numbers, else the text. */
  value: string | number;
  /** Written with a size unit (K, M, G, T). */
  isSize: boolean;
}

export interface SettingSpec {
  name: string;
  values: SettingValue[];
}

export interface Combination {
  /** "innodb_log_file_size=48M innodb_flush_log_at_trx_commit=1" */
  label: string;
  values: Record<string, SettingValue>;
  /** name → value as written. */
  settings: Record<string, string>;
}

export interface PlannedRun {
  combination: number;
  /** 1-based repeat number of its combination. */
  repeat: number;
  /** Blocks order: the 1-based block (A B B A) the run belongs to. */
  block?: number;
}

export const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const SIZE_WITH_UNIT = /^\d+(?:\.\d+)?[kmgt]b?$/i;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+\.\d+$/;
const PLAIN_WORD = /^[A-Za-z0-9_.:/+-]+$/;

function parseSettingValue(name: string, text: string): Parsed<SettingValue> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: `--set ${name}: an empty value` };
  if (SIZE_WITH_UNIT.test(trimmed)) {
    const bytes = parseSizeBytes(`set ${name}`, trimmed, 0);
    return bytes.ok ? { ok: true, value: { text: trimmed, value: bytes.value, isSize: true } } : bytes;
  }
  if (INTEGER.test(trimmed) || DECIMAL.test(trimmed)) return { ok: true, value: { text: trimmed, value: Number(trimmed), isSize: false } };
  if (PLAIN_WORD.test(trimmed)) return { ok: true, value: { text: trimmed, value: trimmed, isSize: false } };
  return { ok: false, error: `--set ${name}=${trimmed}: a value must be a number, a size (48M, 1G) or a word (ON, O_DIRECT)` };
}

/** "innodb_log_file_size=48M,1G" → the variable and its values. Dashes in the name count as underscores. */
export function parseSetOption(text: string): Parsed<SettingSpec> {
  const match = /^\s*([^=\s]+)\s*=(.*)$/.exec(text);
  if (!match) return { ok: false, error: `--set ${JSON.stringify(text)}: expected name=value1,value2,… e.g. innodb_log_file_size=48M,1G` };
  const name = match[1]!.replace(/-/g, '_').toLowerCase();
  if (!VARIABLE_NAME.test(name)) return { ok: false, error: `--set ${JSON.stringify(text)}: "${match[1]}" is not a server variable name` };
  const values: SettingValue[] = [];
  const errors: string[] = [];
  for (const part of match[2]!.split(',')) {
    const parsed = parseSettingValue(name, part);
    if (parsed.ok) values.push(parsed.value);
    else errors.push(parsed.error);
  }
  if (errors.length > 0) return { ok: false, error: errors.join('; ') };
  const seen = new Set<string>();
  for (const value of values) {
    const key = String(value.value).toLowerCase();
    if (seen.has(key)) return { ok: false, error: `--set ${name}: the value ${value.text} is listed twice` };
    seen.add(key);
  }
  return { ok: true, value: { name, values } };
}

/** Every combination of the settings' values, the first setting varying slowest. */
export function combinations(specs: readonly SettingSpec[]): Combination[] {
  let result: Array<Array<[string, SettingValue]>> = [[]];
  for (const spec of specs) result = result.flatMap((prefix) => spec.values.map((value) => [...prefix, [spec.name, value] as [string, SettingValue]]));
  return result.map((pairs) => ({
    label: pairs.map(([name, value]) => `${name}=${value.text}`).join(' '),
    values: Object.fromEntries(pairs),
    settings: Object.fromEntries(pairs.map(([name, value]) => [name, value.text])),
  }));
}

/**
 * The order runs happen in. interleaved: A B A B … (each round runs every combination once, so
 * drift over time — a filling disk, a warming cache — falls on every configuration alike).
 * blocks: `repeat` blocks of A B B A (every combination forward, then backward), so that a linear
 * drift cancels exactly within a block and a block's paired difference is what the setting did
 * (analysis/verdicts/paired.ts); each combination runs twice per block. random: the interleaved runs
 * shuffled with a seeded Fisher–Yates, reproducible from the seed.
 */
export function runOrder(combinationCount: number, repeat: number, order: 'interleaved' | 'random' | 'blocks', seed = 1): PlannedRun[] {
  if (order === 'blocks') {
    const runs: PlannedRun[] = [];
    for (let block = 1; block <= repeat; block++) runs.push(...blockRuns(combinationCount, block));
    return runs;
  }
  const runs: PlannedRun[] = [];
  for (let r = 1; r <= repeat; r++) for (let c = 0; c < combinationCount; c++) runs.push({ combination: c, repeat: r });
  if (order === 'random') {
    const random = seededRandom(seed);
    for (let i = runs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [runs[i], runs[j]] = [runs[j]!, runs[i]!];
    }
  }
  return runs;
}

/** One A B B A block: every combination forward, then backward. */
export function blockRuns(combinationCount: number, block: number): PlannedRun[] {
  const forward = Array.from({ length: combinationCount }, (_, c) => ({ combination: c, repeat: 2 * block - 1, block }));
  const backward = Array.from({ length: combinationCount }, (_, c) => ({ combination: combinationCount - 1 - c, repeat: 2 * block, block }));
  return [...forward, ...backward];
}

/** A SHOW GLOBAL VARIABLES value as a SET GLOBAL literal: numbers unquoted (quoting them is error 1232). */
export function valueLiteral(text: string): string | number {
  return INTEGER.test(text) || DECIMAL.test(text) ? Number(text) : text;
}

const TRUE_WORDS = new Set(['on', '1', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', '0', 'false', 'no']);

function isSizeVariable(name: string, requested: SettingValue): boolean {
  // innodb_io_capacity ends in _capacity too but counts IOPS: only the redo capacity is bytes.
  return requested.isSize || /_size$/.test(name) || name === 'innodb_redo_log_capacity';
}

/** Whether `inEffect` is the requested value, and how that was judged (see the file comment). */
export function valuesMatch(name: string, requested: SettingValue, inEffect: string | undefined, blockSize: number | null): { ok: boolean; how: string } {
  if (inEffect === undefined) return { ok: false, how: 'the server does not report this variable' };
  const wanted = requested.value;
  if (typeof wanted === 'number') {
    const actual = Number(inEffect);
    if (inEffect.trim() !== '' && Number.isFinite(actual)) {
      if (actual === wanted) return { ok: true, how: 'equal' };
      if (isSizeVariable(name, requested)) {
        const tolerance = blockSize !== null && blockSize > 1 ? blockSize : DEFAULT_SIZE_TOLERANCE;
        const source = blockSize !== null && blockSize > 1 ? "the server's block size" : '1 MiB (block size unknown)';
        if (Math.abs(actual - wanted) < tolerance) {
          return { ok: true, how: `rounded by the server from ${wanted} to ${actual}, within ${source} of ${tolerance} bytes` };
        }
        return { ok: false, how: `${actual} differs from ${wanted} by ${Math.abs(actual - wanted)} bytes, more than ${source} of ${tolerance}` };
      }
      return { ok: false, how: `${actual} is not ${wanted}` };
    }
  }
  const a = String(wanted).toLowerCase();
  const b = inEffect.toLowerCase();
  if (a === b) return { ok: true, how: 'equal' };
  if ((TRUE_WORDS.has(a) && TRUE_WORDS.has(b)) || (FALSE_WORDS.has(a) && FALSE_WORDS.has(b))) return { ok: true, how: `equal as a boolean (${wanted} = ${inEffect})` };
  return { ok: false, how: `"${inEffect}" is not "${wanted}"` };
}
