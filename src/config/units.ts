/**
 * Parsers for the numeric option values users type: durations (`30s`, `5m`), sizes (`48M`, `1G`)
 * and counts. Each returns a value or an error message naming the option, so validation can
 * collect every mistake at once instead of stopping at the first.
 */

import { shown } from './shown.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A duration such as `60s`, `5m`, `1h`, `250ms`; a bare number means seconds. */
export function parseDurationMs(option: string, input: unknown, max = 7 * 24 * 3_600_000, min = 1): Parsed<number> {
  const text = String(input).trim().toLowerCase();
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!match) return fail(option, input, 'expected a duration such as 30s, 5m or 1h');
  const ms = Number(match[1]) * DURATION_UNITS_MS[match[2] ?? 's']!;
  if (ms <= 0) return fail(option, input, 'must be greater than zero');
  if (ms < min) return fail(option, input, `must be at least ${min} ms`);
  if (ms > max) return fail(option, input, `must be at most ${max / 1000}s`);
  return { ok: true, value: ms };
}

/** A byte size such as `2000`, `48M`, `1G` (binary units, as MySQL's option files use). */
export function parseSizeBytes(option: string, input: unknown, min = 1, max = 2 ** 50): Parsed<number> {
  const text = String(input).trim().toLowerCase();
  const match = /^(\d+(?:\.\d+)?)([kmgt]?)b?$/.exec(text);
  if (!match) return fail(option, input, 'expected a size such as 2000, 64K, 48M or 1G');
  const bytes = Math.round(Number(match[1]) * SIZE_UNITS[match[2] ?? '']!);
  if (bytes < min) return fail(option, input, `must be at least ${min}`);
  if (bytes > max) return fail(option, input, `must be at most ${max}`);
  return { ok: true, value: bytes };
}

/** A whole number within [min, max]. */
export function parseInteger(option: string, input: unknown, min: number, max: number): Parsed<number> {
  const text = String(input).trim();
  if (!/^-?\d+$/.test(text)) return fail(option, input, 'expected a whole number');
  const value = Number(text);
  if (value < min || value > max) return fail(option, input, `must be between ${min} and ${max}`);
  return { ok: true, value };
}

function fail(option: string, input: unknown, why: string): { ok: false; error: string } {
  return { ok: false, error: `--${option} ${shown(input)}: ${why}` };
}

/** An arrival rate such as `2000/s`, `120000/m` or a bare `2000` (per second). */
export function parseRatePerSec(option: string, input: unknown): Parsed<number> {
  const text = String(input).trim().toLowerCase();
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|m|h))?$/.exec(text);
  if (!match) return fail(option, input, 'expected a rate such as 2000/s or 120000/m');
  const perSec = Number(match[1]) / { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
  if (perSec <= 0) return fail(option, input, 'must be greater than zero');
  if (perSec > 10_000_000) return fail(option, input, 'must be at most 10000000/s');
  return { ok: true, value: perSec };
}
