/**
 * What a matrix is asked to do: the `matrix` command's options, or the matrix an `experiment`
 * preset designs. Values are kept as written (strings), so that every error names the option and
 * the value the user gave. The steps here check the matrix's own part (the settings, the order and
 * timing, the restart); the command checks the connection and the run options after `--` with
 * run's own parser (cli/matrixRequest.ts) and puts the plan together.
 */
import { resolve } from 'node:path';
import { maskCommand } from '../config/redact.js';
import { parseDurationMs, parseInteger } from '../config/units.js';
import type { ExternalCommands } from './externalSetting.js';
import type { MatrixPlan } from './matrixPlan.js';
import type { RestartOptions } from './restart.js';
import { combinations, parseSetOption, type Combination, type SettingSpec } from './settingSpec.js';

export interface MatrixRequest {
  /** --set name=v1,v2: one per server variable. */
  sets: string[];
  /** --aa: the server as it is, compared with itself. */
  aa: boolean;
  /** --external name=v1,v2: a setting outside the server, with the commands that apply, verify and restore it. */
  external: string | undefined;
  applyCmd: string | undefined;
  verifyCmd: string | undefined;
  restoreCmd: string | undefined;
  repeat: string;
  order: string;
  seed: string;
  warmup: string | undefined;
  settle: string | undefined;
  targetEffect: string | undefined;
  budget: string | undefined;
  /** --via-restart: comma-separated variables. */
  viaRestart: string | undefined;
  restartCmd: string | undefined;
  dropIn: string | undefined;
  restartTimeout: string;
  results: string;
  /** Connection and TLS options given before `--`, by option name. */
  connection: Record<string, string>;
  /** The words after `--`: run <scenario> <run options>. */
  run: string[];
  /** runs (a run per configuration, in --order) or switchback (one run, the setting flipped every slot). */
  design: string;
}

/** An A/A check: the server as it is, twice under two names; nothing is changed. */
const AA_COMBINATIONS: Combination[] = [
  { label: 'A', values: {}, settings: {} },
  { label: "A'", values: {}, settings: {} },
];

export type SettingsDesign = Pick<MatrixPlan, 'specs' | 'combinations' | 'aa' | 'external' | 'viaRestart'>;

/** The settings compared: --set, --external or --aa (exactly one kind), and --via-restart among them. */
export function settingsDesign(request: MatrixRequest, errors: string[]): SettingsDesign {
  const { aa, external: externalText } = request;
  const sets = [...request.sets];
  if (aa && (sets.length > 0 || externalText !== undefined)) errors.push('--aa compares the server with itself: give no --set or --external with it');
  if (!aa && sets.length === 0 && externalText === undefined) errors.push('--set: give at least one, e.g. --set innodb_log_file_size=48M,1G (or --aa for an A/A check)');
  if (externalText !== undefined) sets.push(externalText);
  const specs: SettingSpec[] = [];
  for (const text of sets) {
    const parsed = parseSetOption(text);
    if (!parsed.ok) errors.push(parsed.error);
    else if (specs.some((spec) => spec.name === parsed.value.name)) errors.push(`--set ${parsed.value.name} is given twice: list its values in one --set`);
    else specs.push(parsed.value);
  }
  const viaRestart = (request.viaRestart ?? '').split(',').map((name) => name.trim().replace(/-/g, '_').toLowerCase()).filter(Boolean);
  for (const name of viaRestart) if (!specs.some((spec) => spec.name === name)) errors.push(`--via-restart ${name}: not among the --set variables`);
  if (viaRestart.length > 0 && (request.restartCmd === undefined || request.dropIn === undefined)) errors.push('--via-restart needs --restart-cmd and --drop-in');
  return { specs, combinations: aa ? AA_COMBINATIONS : combinations(specs), aa, external: externalCommands(request, errors), viaRestart };
}

/** --external name=v1,v2 with --apply-cmd and --verify-cmd (and optionally --restore-cmd). */
function externalCommands(request: MatrixRequest, errors: string[]): ExternalCommands | null {
  const { external, applyCmd: apply, verifyCmd: verify, restoreCmd } = request;
  if (external === undefined) {
    if (apply !== undefined || verify !== undefined || restoreCmd !== undefined) errors.push('--apply-cmd, --verify-cmd and --restore-cmd belong to --external name=v1,v2');
    return null;
  }
  const parsed = parseSetOption(external);
  if (!parsed.ok) return null;
  if (apply === undefined || verify === undefined) {
    errors.push('--external needs --apply-cmd "… {value} …" and --verify-cmd "…" (prints the value in effect)');
    return null;
  }
  if (!apply.includes('{value}')) errors.push('--apply-cmd: write {value} where the value goes');
  return { name: parsed.value.name, apply, verify, restore: restoreCmd ?? null };
}

export type Schedule = Pick<MatrixPlan, 'order' | 'repeat' | 'seed' | 'warmupMs' | 'settleMs' | 'targetEffectPct' | 'budgetMs'>;

/**
 * --design switchback: one continuous run flips one dynamic setting between two values (`run
 * --switchback`), so what the runs design arranges (order, repeats, settles, restarts, external
 * commands, an A/A of the same server) does not apply; an A/A is two values that change nothing
 * that matters (innodb_io_capacity=200,201). Returns the `--switchback` value.
 */
export function switchbackFrom(request: MatrixRequest, design: SettingsDesign, errors: string[]): string | null {
  if (request.design === 'runs') return null;
  if (request.design !== 'switchback') {
    errors.push(`--design ${request.design}: runs or switchback`);
    return null;
  }
  const spec = design.specs[0];
  if (design.aa || design.external || design.specs.length !== 1 || spec?.values.length !== 2) {
    errors.push('--design switchback: give exactly one --set with two values, A and B (an A/A: two values that make no difference, e.g. innodb_io_capacity=200,201)');
  }
  if (design.viaRestart.length > 0 || request.restartCmd !== undefined) errors.push('--design switchback flips a setting SET GLOBAL changes at once: no --via-restart or --restart-cmd (use --design runs)');
  if (request.targetEffect !== undefined) errors.push('--target-effect adds blocks of runs: use it with --design runs --order blocks');
  return spec && spec.values.length === 2 ? `${spec.name}=${spec.values.map((value) => value.text).join(',')}` : null;
}

/** The order of the runs, how many, and the pauses and warm-ups around them. */
export function scheduleFrom(request: MatrixRequest, errors: string[]): Schedule {
  const duration = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const parsed = parseDurationMs(name, text);
    if (parsed.ok) return parsed.value;
    errors.push(parsed.error);
    return undefined;
  };
  const repeat = parseInteger('repeat', request.repeat, 1, 1000);
  if (!repeat.ok) errors.push(repeat.error);
  const seed = parseInteger('seed', request.seed, 0, 2 ** 31 - 1);
  if (!seed.ok) errors.push(seed.error);
  const { order } = request;
  if (order !== 'interleaved' && order !== 'random' && order !== 'blocks') errors.push(`--order ${order}: interleaved, random or blocks`);
  const targetEffectPct = targetEffect(request, errors);
  const budgetMs = duration('budget', request.budget);
  if (request.budget !== undefined && targetEffectPct === null) errors.push('--budget bounds --target-effect: give both');
  return {
    order: order as MatrixPlan['order'],
    repeat: repeat.ok ? repeat.value : 1,
    seed: seed.ok ? seed.value : 1,
    warmupMs: duration('warmup', request.warmup),
    settleMs: duration('settle', request.settle) ?? 0,
    targetEffectPct,
    budgetMs: budgetMs ?? null,
  };
}

/** --target-effect 5%: the half-width every paired interval must reach (blocks order only). */
function targetEffect(request: MatrixRequest, errors: string[]): number | null {
  if (request.targetEffect === undefined) return null;
  if (request.order !== 'blocks') errors.push('--target-effect adds A B B A blocks: use it with --order blocks');
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(request.targetEffect);
  if (match && Number(match[1]) > 0) return Number(match[1]);
  errors.push(`--target-effect ${request.targetEffect}: a half-width in percent, e.g. 5%`);
  return null;
}

/** --restart-cmd with its --drop-in; the command masked for showing (`password` too). */
export function restartFrom(request: MatrixRequest, password: string | undefined, errors: string[]): RestartOptions | null {
  const { restartCmd: command, dropIn } = request;
  const timeout = parseDurationMs('restart-timeout', request.restartTimeout);
  if (!timeout.ok) errors.push(timeout.error);
  if (command !== undefined && dropIn === undefined) errors.push('--restart-cmd needs --drop-in FILE: the option file the server reads at start, where the settings are written');
  if (dropIn !== undefined && command === undefined) errors.push('--drop-in is only used with --restart-cmd');
  if (command === undefined || dropIn === undefined || !timeout.ok) return null;
  return { command, shownCommand: maskCommand(command, [password]), dropIn: resolve(dropIn), timeoutMs: timeout.value };
}
