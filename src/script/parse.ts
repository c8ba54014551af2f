/**
 * SQL scripts in pgbench's manner: statements ending in `;`, `\set name expression` lines,
 * `:name` for a bound parameter, `{member}`-style names for the library's tables, and
 * `BEGIN … COMMIT` around a transaction (`\repeat n … \end` inside one repeats statements), and
 * `\check name` before a SELECT that must return 0 once the run is over (the after-run verification).
 * Outside a transaction each statement is one operation; a transaction is one operation, retried
 * as a whole. Parsed and checked completely before anything connects; every error names
 * file:line. Pure: text in, a program out.
 */
import { splitStatements, statementKind, tokenize, type StatementKind, type Token } from '../sql/sqlText.js';
import { parseExpression, typeOf, type Expr, type ValueType } from './expression.js';

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

/** A library table a statement names, `{member}`; `feature` is model version 1's, `feature_2` version 2's. */
export type TableRef = 'group' | 'member' | 'image' | `feature_${number}`;

interface SetStep {
  kind: 'set';
  line: number;
  name: string;
  expr: Expr;
}

export interface Statement {
  kind: 'statement';
  line: number;
  /** The statement as written, comments dropped: what the part is shown as. */
  text: string;
  /** SQL with `?` for each parameter, and the table references still to be named. */
  pieces: Array<string | { table: TableRef }>;
  /** Variables bound to the `?`s, in order. */
  params: string[];
  what: StatementKind;
  /** BEGIN, COMMIT or ROLLBACK as written (sent as text: not every server prepares them). */
  control?: 'begin' | 'commit' | 'rollback';
  /** For a one-row `INSERT … VALUES (…)`: the table it adds exactly one row to (the accounting's table). */
  insertsOneRowInto?: TableRef;
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

function parseOne(source: ScriptSource, errors: string[]): Script {
  const errorsBefore = errors.length;
  const at = (line: number, message: string): void => void errors.push(`${source.path}:${line}: ${message}`);
  const types = new Map<string, ValueType>(Object.entries(BUILTIN_VARIABLES));
  const units: Unit[] = [];
  const checks: Check[] = [];
  let presets: SetStep[] = [];
  // An object, so that the handlers' assignments are seen after the walk (no narrowing to null).
  const open = { transaction: null as { begin: Statement; stack: Block[] } | null, check: null as { line: number; name: string } | null };

  const typeCheck = (expr: Expr, line: number): ValueType | null => {
    try {
      return typeOf(expr, types);
    } catch (error) {
      at(line, (error as Error).message);
      return null;
    }
  };

  const onSet = (line: number, argument: string): void => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s+(.+)$/.exec(argument);
    if (!match) return at(line, `\\set ${argument}: expected \\set name expression`);
    const name = match[1]!;
    if (name in BUILTIN_VARIABLES) return at(line, `\\set ${name}: :${name} is built in and cannot be set`);
    let expr: Expr;
    try {
      expr = parseExpression(match[2]!);
    } catch (error) {
      return at(line, `\\set ${name}: ${(error as Error).message}`);
    }
    const type = typeCheck(expr, line);
    if (!type) return;
    const before = types.get(name);
    if (before && before !== type) return at(line, `\\set ${name}: :${name} was a ${before} and cannot become a ${type}`);
    types.set(name, type);
    const step: SetStep = { kind: 'set', line, name, expr };
    if (open.transaction) open.transaction.stack.at(-1)!.steps.push(step);
    else presets.push(step);
  };

  const onRepeat = (line: number, argument: string): void => {
    if (!open.transaction) return at(line, '\\repeat outside BEGIN … COMMIT: outside a transaction each statement is an operation of its own');
    let count: Expr;
    try {
      count = parseExpression(argument);
    } catch (error) {
      return at(line, `\\repeat: ${(error as Error).message}`);
    }
    const type = typeCheck(count, line);
    // Still opened, so that its \end matches.
    if (type && type !== 'number') at(line, `\\repeat: the count must be a number, not ${type}`);
    const repeat: RepeatStep = { kind: 'repeat', line, count, steps: [] };
    open.transaction.stack.at(-1)!.steps.push(repeat);
    open.transaction.stack.push({ steps: repeat.steps, line, repeat });
  };

  const onEnd = (line: number): void => {
    if (!open.transaction || !open.transaction.stack.at(-1)!.repeat) return at(line, '\\end without \\repeat');
    open.transaction.stack.pop();
  };

  const onCheck = (line: number, name: string): void => {
    if (!name) return at(line, '\\check: name what it checks (\\check every member has its images)');
    if (open.check) at(open.check.line, `\\check ${open.check.name}: no SELECT before the next \\check`);
    if (open.transaction) return at(line, '\\check inside a transaction: checks run after the run, on their own');
    open.check = { line, name };
  };
  const onCheckStatement = (line: number, sql: string, pending: { line: number; name: string }): void => {
    // Checks run once, after the load: only the built-in variables have values then.
    const statement = parseStatement(line, sql, new Map(Object.entries(BUILTIN_VARIABLES)), at);
    if (!statement) return;
    if (statement.what !== 'read') return at(line, `\\check ${pending.name}: expected a SELECT whose first value must be 0`);
    checks.push({ name: pending.name, statement });
  };

  const onStatement = (line: number, sql: string): void => {
    if (open.check) {
      const pending = open.check;
      open.check = null;
      return onCheckStatement(line, sql, pending);
    }
    const control = transactionControl(sql);
    if (control === 'begin') {
      if (open.transaction) return at(line, `${sql} inside the transaction opened at line ${open.transaction.begin.line}`);
      open.transaction = { begin: controlStatement(line, sql, control), stack: [{ steps: [], line }] };
      return;
    }
    if (control) {
      if (!open.transaction) return at(line, `${sql} without BEGIN`);
      const block = open.transaction.stack.at(-1)!;
      if (block.repeat) return at(line, `${sql} inside the \\repeat of line ${block.line} (close it with \\end first)`);
      const { begin } = open.transaction;
      units.push({ line: begin.line, presets, transaction: { begin, end: controlStatement(line, sql, control), commits: control === 'commit' }, steps: block.steps });
      presets = [];
      open.transaction = null;
      return;
    }
    const statement = parseStatement(line, sql, types, at);
    if (!statement) return;
    if (open.transaction) open.transaction.stack.at(-1)!.steps.push(statement);
    else {
      units.push({ line, presets, steps: [statement] });
      presets = [];
    }
  };

  forEachLine(source.text, { onSet, onRepeat, onEnd, onCheck, onStatement, onUnknown: (line, command) => at(line, `unknown command \\${command} (known: \\set, \\repeat, \\end, \\check)`) });
  const dangling = open.check;
  if (dangling) at(dangling.line, `\\check ${dangling.name}: no SELECT follows`);

  const unclosed = open.transaction;
  if (unclosed) {
    const repeat = unclosed.stack.at(-1)!;
    if (repeat.repeat) at(repeat.line, '\\repeat without \\end');
    at(unclosed.begin.line, `${unclosed.begin.text} without COMMIT or ROLLBACK`);
  }
  if (presets.length) at(presets[0]!.line, `\\set ${presets[0]!.name} after the last statement: nothing uses it`);
  if (!units.length && errors.length === errorsBefore) at(1, 'no statement: a script needs at least one');
  return { name: scriptName(source.path), path: source.path, weight: source.weight, units, checks };
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

function transactionControl(sql: string): 'begin' | 'commit' | 'rollback' | null {
  const words = sql.trim().toUpperCase().split(/\s+/);
  if ((words[0] === 'BEGIN' && (words.length === 1 || (words.length === 2 && words[1] === 'WORK'))) || (words[0] === 'START' && words[1] === 'TRANSACTION')) return 'begin';
  if ((words[0] === 'COMMIT' || words[0] === 'ROLLBACK') && (words.length === 1 || words[1] === 'WORK')) return words[0] === 'COMMIT' ? 'commit' : 'rollback';
  return null;
}

function controlStatement(line: number, sql: string, control: 'begin' | 'commit' | 'rollback'): Statement {
  return { kind: 'statement', line, text: sql, pieces: [sql], params: [], what: 'other', control };
}

const TABLE_NAMES = /^(group|member|image|feature(?:_([1-9]\d{0,4}))?)$/;

/** Rewrites `:name` into a bound `?` and `{table}` into a table reference, checking both. */
function parseStatement(line: number, sql: string, types: ReadonlyMap<string, ValueType>, at: (line: number, message: string) => void): Statement | null {
  const tokens = tokenize(sql);
  const pieces: Statement['pieces'] = [];
  const params: string[] = [];
  let copied = 0;
  let ok = true;
  const adjacent = (a: Token | undefined, b: Token | undefined): boolean => a !== undefined && b !== undefined && a.end === b.start;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== 'punct') continue;
    const next = tokens[i + 1];
    if (token.value === '?') {
      at(line, 'a ? placeholder: parameters are written :name, bound from a \\set variable');
      ok = false;
    } else if (token.value === ':' && next?.kind === 'word' && adjacent(token, next) && /^[A-Za-z_]/.test(next.value)) {
      if (!types.has(next.value)) {
        at(line, `unknown variable :${next.value} (set it with \\set ${next.value} … before the statement)`);
        ok = false;
      }
      pieces.push(sql.slice(copied, token.start), '?');
      params.push(next.value);
      copied = next.end;
      i++;
    } else if (token.value === '{' && next?.kind === 'word' && adjacent(token, next) && tokens[i + 2]?.value === '}' && adjacent(next, tokens[i + 2])) {
      const match = TABLE_NAMES.exec(next.value.toLowerCase());
      if (!match) {
        at(line, `unknown table {${next.value}}: the library's tables are {group}, {member}, {image}, {feature} (model version 1) and {feature_N}`);
        ok = false;
      } else {
        const table: TableRef = match[1] === 'feature' ? 'feature_1' : (match[1] as TableRef);
        pieces.push(sql.slice(copied, token.start), { table });
      }
      copied = tokens[i + 2]!.end;
      i += 2;
    }
  }
  pieces.push(sql.slice(copied));
  if (!ok) return null;
  const statement: Statement = { kind: 'statement', line, text: sql, pieces: mergeText(pieces), params, what: statementKind(sql) };
  const target = oneRowInsertTarget(tokens, statement.pieces);
  if (target) statement.insertsOneRowInto = target;
  return statement;
}

function mergeText(pieces: Statement['pieces']): Statement['pieces'] {
  const merged: Statement['pieces'] = [];
  for (const piece of pieces) {
    const last = merged.at(-1);
    if (typeof piece === 'string' && typeof last === 'string') merged[merged.length - 1] = last + piece;
    else if (piece !== '') merged.push(piece);
  }
  return merged;
}

/** `INSERT INTO {t} (…) VALUES (…)` with one row and nothing after it: adds exactly one row to t. */
function oneRowInsertTarget(tokens: Token[], pieces: Statement['pieces']): TableRef | undefined {
  const words = tokens.filter((t) => t.kind === 'word').map((t) => t.value.toUpperCase());
  if (words[0] !== 'INSERT' || words[1] !== 'INTO') return undefined;
  const table = pieces.find((p): p is { table: TableRef } => typeof p !== 'string');
  const values = tokens.findIndex((t) => t.kind === 'word' && /^VALUES?$/i.test(t.value));
  if (!table || values < 0) return undefined;
  let depth = 0;
  let tuples = 0;
  for (const token of tokens.slice(values + 1)) {
    if (token.kind !== 'punct') {
      if (depth === 0) return undefined;
      continue;
    }
    if (token.value === '(' && depth++ === 0) tuples++;
    else if (token.value === ')') depth--;
    else if (depth === 0) return undefined;
  }
  return tuples === 1 ? table.table : undefined;
}

/** The SQL of a statement for one library: its table references named. */
export function renderStatement(statement: Statement, tableName: (table: TableRef) => string): string {
  return statement.pieces.map((piece) => (typeof piece === 'string' ? piece : tableName(piece.table))).join('');
}

/** Every statement of a script that the server runs (BEGIN and COMMIT as written included). */
export function statementsOf(script: Script): Statement[] {
  const walk = (steps: Step[]): Statement[] => steps.flatMap((step) => (step.kind === 'statement' ? [step] : step.kind === 'repeat' ? walk(step.steps) : []));
  return script.units.flatMap((unit) => (unit.transaction ? [unit.transaction.begin, ...walk(unit.steps), unit.transaction.end] : walk(unit.steps)));
}
