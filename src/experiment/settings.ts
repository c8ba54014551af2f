/**
 * The server's settings for the length of a matrix: read the originals, find which variables
 * SET GLOBAL can change, apply a combination (SET GLOBAL where the variable is dynamic; an
 * option-file drop-in and a restart where it is not and the user gave a restart command; the
 * user's commands for an external setting), verify what is in effect before anything is measured
 * (settingSpec.ts: valuesMatch), and put every changed variable back afterwards.
 *
 * Every server change goes through the journal (serverState/journal.ts) before it is made: the
 * first SET GLOBAL of a variable records the original as its undo (later ones change the value, the
 * undo stays the original), and the drop-in's first write records the file to put back. So every
 * exit path (an error, a signal, an uncaught exception) puts them back, and after a kill -9
 * `innobench restore` does. The restart that a restored drop-in needs is this class's own undo.
 */
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import type { AppliedSetting } from '../results/readRuns.js';
import { registerUndo } from '../db/globalsGuard.js';
import { serverJournal, type ServerJournal } from '../serverState/journal.js';
import type { JournalEntry } from '../serverState/journalTable.js';
import { VARIABLE_NAME, valueLiteral, valuesMatch, type Combination } from './settingSpec.js';
import { DropIn, dropInContent } from './dropIn.js';
import { runRestartCommand, waitForServer, type RestartOptions } from './restart.js';
import { ExternalSetting, type ExternalCommands } from './externalSetting.js';
import { findServerPid } from '../metrics/processCpu.js';
import { waitForRedoResize } from './redoResize.js';

/** MySQL/MariaDB: "Variable '%s' is a read only variable" (SET GLOBAL on a non-dynamic variable). */
const ER_INCORRECT_GLOBAL_LOCAL_VAR = 1238;
const ER_LOCAL_VARIABLE = 1228;
const ER_SPECIFIC_ACCESS_DENIED = 1227;

/** SHOW GLOBAL VARIABLES for `names`, keyed by lower-case name; names the server lacks are absent. */
async function readGlobals(connection: PromiseConnection, names: readonly string[]): Promise<Record<string, string>> {
  if (names.length === 0) return {};
  const [rows] = await connection.query(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => '?').join(',')})`, [...names]);
  const values: Record<string, string> = {};
  for (const row of rows as Array<{ Variable_name: string; Value: string }>) values[row.Variable_name.toLowerCase()] = row.Value;
  return values;
}

/** MariaDB's NUMERIC_BLOCK_SIZE per variable; null where the server does not publish it (MySQL). */
async function blockSizes(connection: PromiseConnection, names: readonly string[]): Promise<Record<string, number | null>> {
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
async function setGlobal(connection: PromiseConnection, name: string, value: string | number): Promise<void> {
  if (!VARIABLE_NAME.test(name)) throw new Error(`not a variable name: ${name}`);
  await connection.query(`SET GLOBAL ${name} = ?`, [value]);
}

type Dynamism = { dynamic: true } | { dynamic: false; detail: string };

/**
 * Whether SET GLOBAL can change the variable, found by setting it to the value it already has
 * (a no-op where it works, the servers' own answer where it does not). Errors other than "read
 * only" (unknown variable, session-only, missing privilege) are thrown with a clear message.
 */
async function probeDynamic(connection: PromiseConnection, name: string, current: string): Promise<Dynamism> {
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

interface RestoredSetting {
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
  private readonly nonDynamic = new Map<string, string>();
  private blocks: Record<string, number | null> = {};
  private control: PromiseConnection | null = null;
  /** The journal entry of each variable's first SET GLOBAL (its undo: the original value). */
  private readonly journalled = new Map<string, JournalEntry>();
  private readonly journal: ServerJournal;
  private undoRestart: (() => Promise<void>) | null = null;
  private readonly dropIn: DropIn | null;
  private readonly external: ExternalSetting | null;
  /** Server variables: every --set name but the external setting's. */
  private readonly names: readonly string[];
  readonly restored: RestoredSetting[] = [];

  constructor(
    private readonly connection: ConnectionOptions,
    names: readonly string[],
    private readonly restart: RestartOptions | null,
    private readonly log: (line: string) => void,
    external: ExternalCommands | null = null,
    /** Variables applied through the drop-in and a restart even where SET GLOBAL could change them. */
    private readonly viaRestart: readonly string[] = [],
  ) {
    this.journal = serverJournal(connection);
    this.dropIn = restart ? new DropIn(restart.dropIn, this.journal) : null;
    this.external = external ? new ExternalSetting(external, log) : null;
    this.names = names.filter((name) => name !== external?.name);
  }

  /** The local server's process (for its CPU time), or null when it is not on this machine. */
  async serverPid(): Promise<number | null> {
    return findServerPid(await this.connectionReady()).catch(() => null);
  }

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
    if (this.names.length > 0) {
      // Refused here, before anything changes: another innobench holds changes, or left some.
      await this.journal.acquire().catch((error: unknown) => problems.push(`the server's settings cannot be changed now: ${(error as Error).message}`));
    }
    if (this.external) {
      const problem = await this.external.init();
      if (problem) problems.push(problem);
      else this.original[this.external.commands.name] = this.external.original;
    }
    for (const name of this.names) {
      const current = this.original[name];
      if (current === undefined) {
        problems.push(`--set ${name}: the server has no such variable`);
        continue;
      }
      if (this.viaRestart.includes(name)) {
        this.nonDynamic.set(name, 'applied by restart (--via-restart)');
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
    // Checked before anything changes, so that a foreign file refuses the matrix, not its third run.
    const refusal = this.nonDynamic.size > 0 ? this.dropIn?.refusal() : null;
    if (refusal) problems.push(refusal);
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
    const notes = new Map<string, string>();
    for (const name of needRestart) {
      const resize = await waitForRedoResize(control, name, combination.values[name]!.value, this.log);
      if (resize) notes.set(name, resize);
    }
    for (const [name, requested] of Object.entries(combination.values)) {
      if (name === this.external?.commands.name || this.nonDynamic.has(name) || matches(name)) continue;
      await this.setGlobalJournalled(control, name, requested.value);
      methods.set(name, 'set-global');
      // A redo resize is in effect when it has finished, not when SET GLOBAL returns (MySQL).
      const resize = await waitForRedoResize(control, name, requested.value, this.log);
      if (resize) notes.set(name, resize);
    }
    inEffect = await readGlobals(control, this.names);
    const applied: AppliedSetting[] = [];
    const refused: string[] = [];
    for (const [name, requested] of Object.entries(combination.values)) {
      if (name === this.external?.commands.name) {
        try {
          applied.push(await this.external.apply(requested));
        } catch (error) {
          refused.push((error as Error).message);
        }
        continue;
      }
      const match = valuesMatch(name, requested, inEffect[name], this.blocks[name] ?? null);
      const how = notes.has(name) ? `${match.how}; ${notes.get(name)}` : match.how;
      applied.push({ name, requested: requested.text, value: requested.value, inEffect: inEffect[name] ?? '', method: methods.get(name) ?? 'unchanged', match: how });
      if (!match.ok) refused.push(`${name}: asked ${requested.text}${requested.isSize ? ` (${requested.value} bytes)` : ''}, in effect ${inEffect[name] ?? 'nothing'} — ${match.how}`);
    }
    if (refused.length > 0) throw new SettingRefused(`the server does not hold the requested settings, refusing to measure:\n  ${refused.join('\n  ')}`);
    return applied;
  }

  /** SET GLOBAL; the first change of a variable through the journal, which records the original as its undo. */
  private async setGlobalJournalled(control: PromiseConnection, name: string, value: string | number): Promise<void> {
    if (this.journalled.has(name)) {
      await setGlobal(control, name, value);
      return;
    }
    const entry = await this.journal.setGlobals({ [name]: value }, 'matrix');
    if (entry) this.journalled.set(name, entry);
  }

  /** Puts a dynamic variable back through its journal entry, then checks what is in effect. */
  private async restoreDynamic(name: string, entry: JournalEntry): Promise<void> {
    const original = this.original[name]!;
    await this.journal.restore(entry);
    const now = (await readGlobals(await this.connectionReady(), [name]))[name];
    const ok = now === original;
    this.restored.push({ name, value: original, ok, detail: ok ? `SET GLOBAL ${name} = ${original}` : `SET GLOBAL ${name} = ${original}, but ${now} is in effect` });
    this.log(ok ? `restored ${name} = ${original}` : `could not restore ${name}: ${now} is in effect, ${original} was`);
  }

  private async restartWith(combination: Combination): Promise<void> {
    const restart = this.restart!;
    const dropIn = this.dropIn!;
    const values: Record<string, string | number> = {};
    for (const name of this.nonDynamic.keys()) values[name] = combination.values[name]?.value ?? valueLiteral(this.original[name]!);
    await dropIn.write(dropInContent(values, `${combination.label}; removed (or the earlier file put back) when the matrix ends`));
    // Registered once the file is written: a refused write has changed nothing to undo.
    if (this.undoRestart === null) {
      this.undoRestart = registerUndo(async () => {
        const how = await dropIn.restore();
        await runRestartCommand(restart, this.log);
        const control = await waitForServer(this.connection, restart.timeoutMs, this.log);
        await this.control?.end().catch(() => undefined);
        this.control = control;
        const now = await readGlobals(control, [...this.nonDynamic.keys()]);
        for (const name of this.nonDynamic.keys()) {
          const ok = now[name] === this.original[name];
          this.restored.push({ name, value: this.original[name]!, ok, detail: `drop-in ${how} and server restarted; in effect ${now[name]}` });
          this.log(ok ? `restored ${name} = ${this.original[name]} (drop-in ${how}, server restarted)` : `could not restore ${name}: ${now[name]} is in effect, ${this.original[name]} was`);
        }
      });
    }
    this.log(`wrote ${dropIn.path}: ${Object.entries(values).map(([n, v]) => `${n} = ${v}`).join(', ')}`);
    await this.control?.end().catch(() => undefined);
    this.control = null;
    await runRestartCommand(restart, this.log);
    this.control = await waitForServer(this.connection, restart.timeoutMs, this.log);
    await this.journal.reattach();
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
    for (const [name, entry] of this.journalled) {
      await this.restoreDynamic(name, entry).catch((error: unknown) => this.reportFailure(name, error));
    }
    const changedAny = this.journalled.size > 0;
    this.journalled.clear();
    if (this.external) {
      await this.external.restore();
      this.restored.push(...this.external.restored);
    }
    if (!changedAny && this.restored.length === 0) this.log('no server setting was changed, nothing to restore');
    // Nothing of this matrix is held any more: the server-state lock goes.
    await this.journal.restore(null).catch(() => undefined);
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
