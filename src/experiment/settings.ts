/**
 * Server settings for a matrix: parse `--set name=v1,v2`, build the combinations and their run
 * order, apply a combination (SET GLOBAL where the variable is dynamic; an option-file drop-in
 * and a restart where it is not and the user gave a restart command), verify what is in effect
 * before anything is measured, and put every changed variable back afterwards.
 *
 * Verification rule: a value matches when the server reports exactly it; numbers compare as
 * numbers (0.5 = 0.500000); ON/OFF compare with 1/0, TRUE/FALSE, YES/NO; sizes (a value written
 * with a unit, or a variable whose name ends in _size, or innodb_redo_log_capacity) also match when the server
 * rounded them by less than the variable's block size (MariaDB's
 * information_schema.SYSTEM_VARIABLES.NUMERIC_BLOCK_SIZE, e.g. 4096 for innodb_log_file_size;
 * 1 MiB, MySQL's redo rounding unit, where the server does not say). Anything else refuses the run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { ConnectionOptions } from '../config/connection.js';
import { parseSizeBytes, type Parsed } from '../config/units.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import type { AppliedSetting } from '../results/readRuns.js';
import { registerUndo } from '../db/globalsGuard.js';
import { seededRandom } from '../data/random.js';

/** MySQL/MariaDB: "Variable '%s' is a read only variable" (SET GLOBAL on a non-dynamic variable). */
export const ER_INCORRECT_GLOBAL_LOCAL_VAR = 1238;
export const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;
export const ER_LOCAL_VARIABLE = 1228;
export const ER_SPECIFIC_ACCESS_DENIED = 1227;

export const DEFAULT_SIZE_TOLERANCE = 1024 * 1024;

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
}

const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const SIZE_WITH_UNIT = /^\d+(?:\.\d+)?[kmgt]b?$/i;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+\.\d+$/;
const PLAIN_WORD = /^[A-Za-z0-9_.:/+-]+$/;

export function parseSettingValue(name: string, text: string): Parsed<SettingValue> {
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
 * random: the same runs shuffled with a seeded Fisher–Yates, reproducible from the seed.
 */
export function runOrder(combinationCount: number, repeat: number, order: 'interleaved' | 'random', seed = 1): PlannedRun[] {
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

/** SHOW GLOBAL VARIABLES for `names`, keyed by lower-case name; names the server lacks are absent. */
export async function readGlobals(connection: PromiseConnection, names: readonly string[]): Promise<Record<string, string>> {
  if (names.length === 0) return {};
  const [rows] = await connection.query(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => '?').join(',')})`, [...names]);
  const values: Record<string, string> = {};
  for (const row of rows as Array<{ Variable_name: string; Value: string }>) values[row.Variable_name.toLowerCase()] = row.Value;
  return values;
}

/** MariaDB's NUMERIC_BLOCK_SIZE per variable; null where the server does not publish it (MySQL). */
export async function blockSizes(connection: PromiseConnection, names: readonly string[]): Promise<Record<string, number | null>> {
  const sizes: Record<string, number | null> = Object.fromEntries(names.map((name) => [name, null]));
  try {
    const [rows] = await connection.query(
      `SELECT LOWER(VARIABLE_NAME) AS name, NUMERIC_BLOCK_SIZE AS block FROM information_schema.SYSTEM_VARIABLES WHERE VARIABLE_NAME IN (${names.map(() => '?').join(',')})`,
      names.map((name) => name.toUpperCase()),
    );
    for (const row of rows as Array<{ name: string; block: string | number | null }>) {
      const block = row.block === null ? NaN : Number(row.block);
      sizes[row.name] = Number.isFinite(block) && block > 0 ? block : null;
    }
  } catch {
    // MySQL has no SYSTEM_VARIABLES table: the default tolerance applies.
  }
  return sizes;
}

/** SET GLOBAL; the name is checked against VARIABLE_NAME, the value is a bound parameter. */
export async function setGlobal(connection: PromiseConnection, name: string, value: string | number): Promise<void> {
  if (!VARIABLE_NAME.test(name)) throw new Error(`not a variable name: ${name}`);
  await connection.query(`SET GLOBAL ${name} = ?`, [value]);
}

export type Dynamism = { dynamic: true } | { dynamic: false; detail: string };

/**
 * Whether SET GLOBAL can change the variable, found by setting it to the value it already has
 * (a no-op where it works, the servers' own answer where it does not). Errors other than "read
 * only" (unknown variable, session-only, missing privilege) are thrown with a clear message.
 */
export async function probeDynamic(connection: PromiseConnection, name: string, current: string): Promise<Dynamism> {
  try {
    await setGlobal(connection, name, valueLiteral(current));
    return { dynamic: true };
  } catch (error) {
    const e = error as { errno?: number; message?: string };
    if (e.errno === ER_INCORRECT_GLOBAL_LOCAL_VAR) return { dynamic: false, detail: e.message ?? 'read only' };
    if (e.errno === ER_LOCAL_VARIABLE) throw new Error(`${name} is a session-only variable: SET GLOBAL cannot change it for the run's connections`);
    if (e.errno === ER_SPECIFIC_ACCESS_DENIED) throw new Error(`the user may not SET GLOBAL ${name} (${e.message ?? 'access denied'}); connect as a user with SUPER or SYSTEM_VARIABLES_ADMIN`);
    throw new Error(`SET GLOBAL ${name} to its current value ${current} failed: ${e.message ?? String(error)}`);
  }
}

/** The drop-in's text: one [mysqld] group with the matrix's non-dynamic variables. */
export function dropInContent(values: Record<string, string | number>, note: string): string {
  return [`# ${note}`, '[mysqld]', ...Object.entries(values).map(([name, value]) => `${name} = ${value}`), ''].join('\n');
}

/** Runs the user's restart command through the shell; its output goes to stderr. */
export function runRestartCommand(command: string, timeoutMs: number, log: (line: string) => void): Promise<void> {
  log(`restarting the server: ${command}`);
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the restart command did not finish within ${timeoutMs / 1000}s: ${command}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`the restart command could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`the restart command exited with ${code ?? signal}: ${command}`));
    });
  });
}

/** Connects until the server answers SELECT 1, or fails after `timeoutMs`. */
export async function waitForServer(connection: ConnectionOptions, timeoutMs: number, log: (line: string) => void): Promise<PromiseConnection> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (let attempt = 1; ; attempt++) {
    try {
      const control = await connectControl(connection, false);
      try {
        await control.query('SELECT 1');
        if (attempt > 1) log(`the server answers again (after ${attempt} attempts)`);
        return control;
      } catch (error) {
        await control.end().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) throw new Error(`the server did not answer within ${timeoutMs / 1000}s of the restart: ${lastError}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export interface RestartOptions {
  command: string;
  dropIn: string;
  timeoutMs: number;
}

export interface RestoredSetting {
  name: string;
  value: string;
  ok: boolean;
  detail: string;
}

/** Thrown when a setting cannot be put in effect: the matrix refuses to measure. */
export class SettingRefused extends Error {}

/**
 * Holds the server's settings for the length of a matrix: its original values, what is dynamic,
 * what was changed (each change registered with globalsGuard, so a forced exit undoes it too).
 */
export class SettingsManager {
  original: Record<string, string> = {};
  readonly nonDynamic = new Map<string, string>();
  private blocks: Record<string, number | null> = {};
  private control: PromiseConnection | null = null;
  private readonly changed = new Set<string>();
  private readonly undoDynamic = new Map<string, () => Promise<void>>();
  private undoRestart: (() => Promise<void>) | null = null;
  private dropInBefore: string | null = null;
  readonly restored: RestoredSetting[] = [];

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly names: readonly string[],
    private readonly restart: RestartOptions | null,
    private readonly log: (line: string) => void,
  ) {}

  private async connectionReady(): Promise<PromiseConnection> {
    if (this.control) {
      try {
        await this.control.query('SELECT 1');
        return this.control;
      } catch {
        await this.control.end().catch(() => undefined);
        this.control = null;
      }
    }
    this.control = await connectControl(this.connection, false);
    return this.control;
  }

  /**
   * Reads the original values and finds which variables SET GLOBAL cannot change. Returns the
   * problems that forbid the matrix (unknown variables, non-dynamic ones without --restart-cmd).
   */
  async init(): Promise<string[]> {
    const control = await this.connectionReady();
    this.original = await readGlobals(control, this.names);
    this.blocks = await blockSizes(control, this.names);
    const problems: string[] = [];
    for (const name of this.names) {
      const current = this.original[name];
      if (current === undefined) {
        problems.push(`--set ${name}: the server has no such variable`);
        continue;
      }
      try {
        const dynamism = await probeDynamic(control, name, current);
        if (!dynamism.dynamic) this.nonDynamic.set(name, dynamism.detail);
      } catch (error) {
        problems.push(`--set ${name}: ${(error as Error).message}`);
      }
    }
    if (this.nonDynamic.size > 0 && this.restart === null) {
      problems.push(
        `${[...this.nonDynamic.keys()].join(', ')} cannot be changed while the server runs (SET GLOBAL: read only variable). ` +
          'Give --restart-cmd "…" (e.g. "systemctl restart mariadb") and --drop-in FILE (an option file the server reads, e.g. ' +
          '/etc/mysql/mariadb.conf.d/99-innobench.cnf) to apply them with a restart, or leave them out.',
      );
    }
    return problems;
  }

  /** Puts a combination in effect and verifies it; throws SettingRefused when the server does not hold it. */
  async apply(combination: Combination): Promise<AppliedSetting[]> {
    let control = await this.connectionReady();
    let inEffect = await readGlobals(control, this.names);
    const methods = new Map<string, AppliedSetting['method']>();
    const matches = (name: string): boolean => valuesMatch(name, combination.values[name]!, inEffect[name], this.blocks[name] ?? null).ok;

    const needRestart = Object.keys(combination.values).filter((name) => this.nonDynamic.has(name) && !matches(name));
    if (needRestart.length > 0) {
      await this.restartWith(combination);
      control = await this.connectionReady();
      inEffect = await readGlobals(control, this.names);
      for (const name of needRestart) methods.set(name, 'restart');
    }
    for (const [name, requested] of Object.entries(combination.values)) {
      if (this.nonDynamic.has(name) || matches(name)) continue;
      this.registerDynamicUndo(name);
      await setGlobal(control, name, requested.value);
      methods.set(name, 'set-global');
    }
    inEffect = await readGlobals(control, this.names);
    const applied: AppliedSetting[] = [];
    const refused: string[] = [];
    for (const [name, requested] of Object.entries(combination.values)) {
      const match = valuesMatch(name, requested, inEffect[name], this.blocks[name] ?? null);
      applied.push({ name, requested: requested.text, value: requested.value, inEffect: inEffect[name] ?? '', method: methods.get(name) ?? 'unchanged', match: match.how });
      if (!match.ok) refused.push(`${name}: asked ${requested.text}${requested.isSize ? ` (${requested.value} bytes)` : ''}, in effect ${inEffect[name] ?? 'nothing'} — ${match.how}`);
    }
    if (refused.length > 0) throw new SettingRefused(`the server does not hold the requested settings, refusing to measure:\n  ${refused.join('\n  ')}`);
    return applied;
  }

  private registerDynamicUndo(name: string): void {
    if (this.undoDynamic.has(name)) return;
    this.changed.add(name);
    const original = this.original[name]!;
    const undo = registerUndo(async () => {
      const control = await this.connectionReady();
      await setGlobal(control, name, valueLiteral(original));
      const now = (await readGlobals(control, [name]))[name];
      const ok = now === original;
      this.restored.push({ name, value: original, ok, detail: ok ? `SET GLOBAL ${name} = ${original}` : `SET GLOBAL ${name} = ${original}, but ${now} is in effect` });
      this.log(ok ? `restored ${name} = ${original}` : `could not restore ${name}: ${now} is in effect, ${original} was`);
    });
    this.undoDynamic.set(name, undo);
  }

  private async restartWith(combination: Combination): Promise<void> {
    const restart = this.restart!;
    if (this.undoRestart === null) {
      this.dropInBefore = existsSync(restart.dropIn) ? readFileSync(restart.dropIn, 'utf8') : null;
      this.undoRestart = registerUndo(async () => {
        if (this.dropInBefore === null) {
          if (existsSync(restart.dropIn)) unlinkSync(restart.dropIn);
        } else writeAtomic(restart.dropIn, this.dropInBefore);
        await runRestartCommand(restart.command, restart.timeoutMs, this.log);
        const control = await waitForServer(this.connection, restart.timeoutMs, this.log);
        await this.control?.end().catch(() => undefined);
        this.control = control;
        const now = await readGlobals(control, [...this.nonDynamic.keys()]);
        for (const name of this.nonDynamic.keys()) {
          const ok = now[name] === this.original[name];
          this.restored.push({ name, value: this.original[name]!, ok, detail: `drop-in ${this.dropInBefore === null ? 'removed' : 'put back'} and server restarted; in effect ${now[name]}` });
          this.log(ok ? `restored ${name} = ${this.original[name]} (drop-in ${this.dropInBefore === null ? 'removed' : 'put back'}, server restarted)` : `could not restore ${name}: ${now[name]} is in effect, ${this.original[name]} was`);
        }
      });
    }
    const values: Record<string, string | number> = {};
    for (const name of this.nonDynamic.keys()) values[name] = combination.values[name]?.value ?? valueLiteral(this.original[name]!);
    writeAtomic(restart.dropIn, dropInContent(values, `written by innobench matrix (${combination.label}); removed when the matrix ends`));
    this.log(`wrote ${restart.dropIn}: ${Object.entries(values).map(([n, v]) => `${n} = ${v}`).join(', ')}`);
    await this.control?.end().catch(() => undefined);
    this.control = null;
    await runRestartCommand(restart.command, restart.timeoutMs, this.log);
    this.control = await waitForServer(this.connection, restart.timeoutMs, this.log);
    this.log('note: a restart also drops every SET GLOBAL made since the server started, by anyone');
  }

  /**
   * Puts everything back: the drop-in and a restart first (a restart resets dynamic variables),
   * then SET GLOBAL for each dynamic variable changed. Failures are reported, not thrown.
   */
  async restore(): Promise<RestoredSetting[]> {
    if (this.undoRestart) {
      await this.undoRestart().catch((error: unknown) => this.reportFailure('the drop-in and restart', error));
      this.undoRestart = null;
    }
    for (const [name, undo] of this.undoDynamic) {
      await undo().catch((error: unknown) => this.reportFailure(name, error));
    }
    this.undoDynamic.clear();
    if (this.changed.size === 0 && this.restored.length === 0) this.log('no server setting was changed, nothing to restore');
    return this.restored;
  }

  private reportFailure(what: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.restored.push({ name: what, value: this.original[what] ?? '', ok: false, detail: message });
    this.log(`could not restore ${what}: ${message}`);
  }

  async close(): Promise<void> {
    await this.control?.end().catch(() => undefined);
    this.control = null;
  }
}

function writeAtomic(path: string, content: string): void {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}
