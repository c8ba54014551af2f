/**
 * The kinds of option a scenario declares, each with its help text, default and parser together,
 * so that the value a scenario receives is typed and was checked before anything started.
 */
import { parseInteger } from '../config/units.js';
import { shown } from '../config/shown.js';
import type { OptionSpec } from './scenario.js';

/** A count: a whole number from 1 (typed as a string so that `abc` is named as typed, not NaN). */
export function countOption(describe: string, defaultValue: number): OptionSpec<number> {
  return { describe, default: defaultValue, type: 'string', parse: (name, raw) => parseInteger(name, raw, 1, 1_000_000) };
}

/** One of a fixed list of words. */
export function choiceOption<const C extends string>(describe: string, choices: readonly C[], defaultValue: C): OptionSpec<C> {
  return {
    describe,
    choices: [...choices],
    default: defaultValue,
    type: 'string',
    // yargs checks choices on the command line; a value set by --sweep reaches only this check.
    parse: (name, raw) => {
      const choice = choices.find((c) => c === raw);
      return choice === undefined ? { ok: false, error: `--${name} ${shown(raw)}: expected one of ${choices.join(', ')}` } : { ok: true, value: choice };
    },
  };
}

/** On or off. */
export function switchOption(describe: string, defaultValue: boolean): OptionSpec<boolean> {
  return { describe, default: defaultValue, type: 'boolean', parse: (_name, raw) => ({ ok: true, value: raw === true || raw === 'true' }) };
}

/** A share from 0 to 1. */
export function fractionOption(describe: string, defaultValue: string): OptionSpec<number> {
  return {
    describe,
    default: defaultValue,
    type: 'string',
    parse: (name, raw) => {
      const value = Number(raw);
      return value >= 0 && value <= 1 ? { ok: true, value } : { ok: false, error: `--${name} ${String(raw)}: expected a number from 0 to 1` };
    },
  };
}
