/**
 * SQL scripts in pgbench's manner: statements ending in `;`, `\set name expression` lines,
 * `:name` for a bound parameter, `{member}`-style names for the library's tables, and
 * `BEGIN … COMMIT` around a transaction (`\repeat n … \end` inside one repeats statements), and
 * `\check name` before a SELECT that must return 0 once the run is over (the after-run verification).
 * Outside a transaction each statement is one operation; a transaction is one operation, retried
 * as a whole. Parsed and checked completely before anything connects; every error names
 * file:line. Pure: text in, a program out.
 */
import { splitStatements } from '../sql/sqlText.js';
import { parseExpression, typeOf, type Expr, type ValueType } from './expression.js';
import { controlStatement, parseStatement, transactionControl, type Statement } from './statement.js';

export { renderStatement, type Statement, type TableRef } from './statement.js';

/** The variables every script has without setting them. */
const BUILTIN_VARIABLES = {
  /** The worker's number, from 0. */
  worker: 'number',
  /** The prepared library's groups, members per group and images per member. */
  groups: 'number',
  members: 'number',
  images: 'number',
  /** The AUTO_INCREMENT id the worker's last INSERT generated (0 before any). */
  last_insert_id: 'number',
} as const satisfies Record<string, ValueType>;

interface SetStep {
  kind: 'set';
  line: number;
  name: string;
  expr: Expr;
}

interface RepeatStep {
  kind: 'repeat';
  line: number;
  count: Expr;
  steps: Step[];
}

export type Step = SetStep | Statement | RepeatStep;

/** One operation: the top-level `\set`s before it, then one statement or one transaction. */
interface Unit {
  line: number;
  presets: SetStep[];
  /** BEGIN / COMMIT as written; absent: the unit is one statement, run in autocommit. */
  transaction?: { begin: Statement; end: Statement; commits: boolean };
  steps: Step[];
}

export interface Script {
  /** The file's name without its extension: the op type its operations are counted under. */
  name: string;
  path: string;
  weight: number;
  units: Unit[];
  /** After the run: each SELECT's first value must be 0. */
  checks: Check[];
}

interface Check {
  name: string;
  statement: Statement;
}

export interface ScriptSource {
  path: string;
  weight: number;
  text: string;
}

/** A script that cannot run; `errors` are `path:line: message` lines. */
export class ScriptError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
  }
}

/** `file.sql@3` → the file and its weight (default 1), as pgbench's `-f file@w`. */
export function parseScriptArgument(argument: string): { path: string; weight: number } | { error: string } {
  const match = /^(.*?)(?:@(\d+))?$/.exec(argument.trim());
  const path = match?.[1] ?? '';
  if (!path) return { error: `--script ${JSON.stringify(argument)}: expected a file, optionally with @weight (replace.sql@3)` };
  const weight = match?.[2] === undefined ? 1 : Number(match[2]);
  if (!(weight >= 1 && weight <= 1_000_000)) return { error: `--script ${JSON.stringify(argument)}: the weight must be a whole number from 1 to 1000000` };
  return { path, weight };
}

/** The op type of a script: its file name without directory and extension. */
export function scriptName(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.[^.]*$/, '') || base;
}

/** Parses every script, collecting every error of every file; throws ScriptError when there is one. */
export function parseScripts(sources: ScriptSource[]): Script[] {
  const errors: string[] = [];
  const scripts = sources.map((source) => parseOne(source, errors));
  const names = new Map<string, string>();
  for (const script of scripts) {
    const other = names.get(script.name);
    if (other !== undefined) errors.push(`${script.path}: named ${script.name} like ${other}: each script needs its own file name (its operations are counted by it)`);
    names.set(script.name, script.path);
  }
  if (errors.length) throw new ScriptError(errors);
  return scripts;
}

interface Block {
  steps: Step[];
  /** Where the open `\repeat` or BEGIN is. */
  line: number;
  repeat?: RepeatStep;
}

type ErrorAt = (line: number, message: string) => void;

/**
 * The walk over one script's lines (forEachLine calls its handlers): the units and checks built
 * so far, and what is still open (a transaction with its `\repeat`s, a `\check` awaiting its SELECT).
 */
class ScriptParser implements LineHandlers {
  readonly units: Unit[] = [];
  readonly checks: Check[] = [];
  private readonly types = new Map<string, ValueType>(Object.entries(BUILTIN_VARIABLES));
  private presets: SetStep[] = [];
  private transaction: { begin: Statement; stack: Block[] } | null = null;
  private check: { line: number; name: string } | null = null;

  constructor(private readonly at: ErrorAt) {}

  private typeCheck(expr: Expr, line: number): ValueType | null {
    try {
      return typeOf(expr, this.types);
    } catch (error) {
      this.at(line, (error as Error).message);
      return null;
    }
  }

  onSet(line: number, argument: string): void {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s+(.+)$/.exec(argument);
    if (!match) return this.at(line, `\\set ${argument}: expected \\set name expression`);
    const name = match[1]!;
    if (name in BUILTIN_VARIABLES) return this.at(line, `\\set ${name}: :${name} is built in and cannot be set`);
    let expr: Expr;
    try {
      expr = parseExpression(match[2]!);
    } catch (error) {
      return this.at(line, `\\set ${name}: ${(error as Error).message}`);
    }
    const type = this.typeCheck(expr, line);
    if (!type) return;
    const before = this.types.get(name);
    if (before && before !== type) return this.at(line, `\\set ${name}: :${name} was a ${before} and cannot become a ${type}`);
    this.types.set(name, type);
    const step: SetStep = { kind: 'set', line, name, expr };
    if (this.transaction) this.transaction.stack.at(-1)!.steps.push(step);
    else this.presets.push(step);
  }

  onRepeat(line: number, argument: string): void {
    if (!this.transaction) return this.at(line, '\\repeat outside BEGIN … COMMIT: outside a transaction each statement is an operation of its own');
    let count: Expr;
    try {
      count = parseExpression(argument);
    } catch (error) {
      return this.at(line, `\\repeat: ${(error as Error).message}`);
    }
    const type = this.typeCheck(count, line);
    // Still opened, so that its \end matches.
    if (type && type !== 'number') this.at(line, `\\repeat: the count must be a number, not ${type}`);
    const repeat: RepeatStep = { kind: 'repeat', line, count, steps: [] };
    this.transaction.stack.at(-1)!.steps.push(repeat);
    this.transaction.stack.push({ steps: repeat.steps, line, repeat });
  }

  onEnd(line: number): void {
    if (!this.transaction || !this.transaction.stack.at(-1)!.repeat) return this.at(line, '\\end without \\repeat');
    this.transaction.stack.pop();
  }

  onCheck(line: number, name: string): void {
    if (!name) return this.at(line, '\\check: name what it checks (\\check every member has its images)');
    if (this.check) this.at(this.check.line, `\\check ${this.check.name}: no SELECT before the next \\check`);
    if (this.transaction) return this.at(line, '\\check inside a transaction: checks run after the run, on their own');
    this.check = { line, name };
  }

  onUnknown(line: number, command: string): void {
    this.at(line, `unknown command \\${command} (known: \\set, \\repeat, \\end, \\check)`);
  }

  onStatement(line: number, sql: string): void {
    if (this.check) {
      const pending = this.check;
      this.check = null;
      return this.checkStatement(line, sql, pending);
    }
    const control = transactionControl(sql);
    if (control === 'begin') return this.begin(line, sql);
    if (control) return this.end(line, sql, control);
    const statement = parseStatement(line, sql, this.types, this.at);
    if (!statement) return;
    if (this.transaction) this.transaction.stack.at(-1)!.steps.push(statement);
    else {
      this.units.push({ line, presets: this.presets, steps: [statement] });
      this.presets = [];
    }
  }

  private checkStatement(line: number, sql: string, pending: { line: number; name: string }): void {
    // Checks run once, after the load: only the built-in variables have values then.
    const statement = parseStatement(line, sql, new Map(Object.entries(BUILTIN_VARIABLES)), this.at);
    if (!statement) return;
    if (statement.what !== 'read') return this.at(line, `\\check ${pending.name}: expected a SELECT whose first value must be 0`);
    this.checks.push({ name: pending.name, statement });
  }

  private begin(line: number, sql: string): void {
    if (this.transaction) return this.at(line, `${sql} inside the transaction opened at line ${this.transaction.begin.line}`);
    this.transaction = { begin: controlStatement(line, sql, 'begin'), stack: [{ steps: [], line }] };
  }

  /** COMMIT or ROLLBACK: the transaction becomes one unit. */
  private end(line: number, sql: string, control: 'commit' | 'rollback'): void {
    if (!this.transaction) return this.at(line, `${sql} without BEGIN`);
    const block = this.transaction.stack.at(-1)!;
    if (block.repeat) return this.at(line, `${sql} inside the \\repeat of line ${block.line} (close it with \\end first)`);
    const { begin } = this.transaction;
    this.units.push({ line: begin.line, presets: this.presets, transaction: { begin, end: controlStatement(line, sql, control), commits: control === 'commit' }, steps: block.steps });
    this.presets = [];
    this.transaction = null;
  }

  /** At the end of the file: whatever is still open is an error. */
  finish(): void {
    const dangling = this.check;
    if (dangling) this.at(dangling.line, `\\check ${dangling.name}: no SELECT follows`);
    const unclosed = this.transaction;
    if (unclosed) {
      const repeat = unclosed.stack.at(-1)!;
      if (repeat.repeat) this.at(repeat.line, '\\repeat without \\end');
      this.at(unclosed.begin.line, `${unclosed.begin.text} without COMMIT or ROLLBACK`);
    }
    if (this.presets.length) this.at(this.presets[0]!.line, `\\set ${this.presets[0]!.name} after the last statement: nothing uses it`);
  }
}

function parseOne(source: ScriptSource, errors: string[]): Script {
  const errorsBefore = errors.length;
  const at = (line: number, message: string): void => void errors.push(`${source.path}:${line}: ${message}`);
  const parser = new ScriptParser(at);
  forEachLine(source.text, parser);
  parser.finish();
  if (!parser.units.length && errors.length === errorsBefore) at(1, 'no statement: a script needs at least one');
  return { name: scriptName(source.path), path: source.path, weight: source.weight, units: parser.units, checks: parser.checks };
}

interface LineHandlers {
  onSet(line: number, argument: string): void;
  onRepeat(line: number, argument: string): void;
  onEnd(line: number): void;
  onCheck(line: number, name: string): void;
  onStatement(line: number, sql: string): void;
  onUnknown(line: number, command: string): void;
}

/** Meta-commands are whole lines starting with `\`; the SQL between them is split at `;`. */
function forEachLine(text: string, handlers: LineHandlers): void {
  const lines = text.split(/\r?\n/);
  let chunk: string[] = [];
  let chunkStart = 1;
  const flush = (): void => {
    for (const statement of splitStatements(chunk.join('\n'))) handlers.onStatement(chunkStart + statement.line - 1, statement.sql);
    chunk = [];
  };
  lines.forEach((raw, index) => {
    const line = index + 1;
    const meta = /^\s*\\([A-Za-z]+)\s*(.*)$/.exec(raw);
    if (!meta) {
      if (!chunk.length) chunkStart = line;
      chunk.push(raw);
      return;
    }
    flush();
    const command = meta[1]!.toLowerCase();
    // The splitter drops a trailing comment, and leaves quoted text alone (a '#' inside quotes stays).
    const argument = splitStatements(meta[2]!).map((part) => part.sql).join('; ');
    if (command === 'set') handlers.onSet(line, argument);
    else if (command === 'repeat') handlers.onRepeat(line, argument);
    else if (command === 'end') handlers.onEnd(line);
    else if (command === 'check') handlers.onCheck(line, meta[2]!.trim());
    else handlers.onUnknown(line, meta[1]!);
  });
  flush();
}

/** Every statement of a script that the server runs (BEGIN and COMMIT as written included). */
export function statementsOf(script: Script): Statement[] {
  const walk = (steps: Step[]): Statement[] => steps.flatMap((step) => (step.kind === 'statement' ? [step] : step.kind === 'repeat' ? walk(step.steps) : []));
  return script.units.flatMap((unit) => (unit.transaction ? [unit.transaction.begin, ...walk(unit.steps), unit.transaction.end] : walk(unit.steps)));
}
