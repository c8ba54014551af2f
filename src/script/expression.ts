/**
 * The expressions of a script's `\set` (pgbench's): integers and decimals, `:name`, `+ - * / %`,
 * parentheses, `random(lo, hi)`, `random_gaussian(lo, hi, p)`, `random_exponential(lo, hi, p)`,
 * `abs`, `least`, `greatest`, and draws from the prepared library (`member_id()`, `feature()` …).
 * Parsed once, type-checked against the variables set before them, evaluated per operation. Pure:
 * randomness and the library's values come from the caller.
 */
import { SqlSyntaxError, TokenCursor, tokenize } from '../sql/sqlText.js';

/** What a value is: a number (arithmetic works on it), text, or bytes (a feature). */
export type ValueType = 'number' | 'text' | 'bytes';
export type Value = number | string | Buffer;

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'text'; value: string }
  | { kind: 'variable'; name: string }
  | { kind: 'negate'; operand: Expr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/' | '%'; left: Expr; right: Expr }
  | { kind: 'call'; name: string; args: Expr[] };

/** The values a script draws from the prepared library, one worker's. */
export interface LibraryDraws {
  /** An existing member's id: of any group, or of the group with this id. */
  memberId(random: () => number, groupId?: number): number;
  /** The next member of the group in id order, cycling (every worker walks the same order). */
  nextMemberId(groupId: number): number;
  groupId(random: () => number): number;
  /** A feature value of --feature-bytes, sliced from the feature file. */
  feature(): Buffer;
  /** A new file id, unique as prepare makes them. */
  fileId(): string;
  description(random: () => number): string;
}

export interface Scope {
  variables: Map<string, Value>;
  random: () => number;
  draws: LibraryDraws;
}

/** An error in an expression's value (division by zero, bounds the wrong way round), found while running. */
export class ScriptValueError extends Error {
  readonly code = 'SCRIPT_VALUE';
}

interface FunctionSpec {
  args: ValueType[];
  /** Arguments that may be left out at the end. */
  optional?: number;
  returns: ValueType;
  call(args: Value[], scope: Scope): Value;
}

const FUNCTIONS: Record<string, FunctionSpec> = {
  random: { args: ['number', 'number'], returns: 'number', call: ([lo, hi], s) => uniform(int(lo), int(hi), s.random()) },
  random_gaussian: { args: ['number', 'number', 'number'], returns: 'number', call: ([lo, hi, p], s) => gaussian(int(lo), int(hi), Number(p), s.random) },
  random_exponential: { args: ['number', 'number', 'number'], returns: 'number', call: ([lo, hi, p], s) => exponential(int(lo), int(hi), Number(p), s.random()) },
  abs: { args: ['number'], returns: 'number', call: ([x]) => Math.abs(Number(x)) },
  least: { args: ['number', 'number'], returns: 'number', call: ([a, b]) => Math.min(Number(a), Number(b)) },
  greatest: { args: ['number', 'number'], returns: 'number', call: ([a, b]) => Math.max(Number(a), Number(b)) },
  member_id: { args: ['number'], optional: 1, returns: 'number', call: (args, s) => (args.length ? s.draws.memberId(s.random, int(args[0])) : s.draws.memberId(s.random)) },
  next_member_id: { args: ['number'], returns: 'number', call: ([g], s) => s.draws.nextMemberId(int(g)) },
  group_id: { args: [], returns: 'number', call: (_args, s) => s.draws.groupId(s.random) },
  feature: { args: [], returns: 'bytes', call: (_args, s) => s.draws.feature() },
  file_id: { args: [], returns: 'text', call: (_args, s) => s.draws.fileId() },
  description: { args: [], returns: 'text', call: (_args, s) => s.draws.description(s.random) },
};

const FUNCTION_NAMES = Object.keys(FUNCTIONS);

/** Parses an expression; throws SqlSyntaxError saying what was expected where. */
export function parseExpression(text: string): Expr {
  const cursor = new TokenCursor(text, tokenize(text));
  if (cursor.done) throw new SqlSyntaxError('expected an expression');
  const expr = sum(cursor);
  if (!cursor.done) throw new SqlSyntaxError(`unexpected text ${cursor.near()}`);
  return expr;
}

function sum(c: TokenCursor): Expr {
  let left = product(c);
  for (;;) {
    const op = c.acceptPunct('+') ? '+' : c.acceptPunct('-') ? '-' : null;
    if (!op) return left;
    left = { kind: 'binary', op, left, right: product(c) };
  }
}

function product(c: TokenCursor): Expr {
  let left = unary(c);
  for (;;) {
    const op = c.acceptPunct('*') ? '*' : c.acceptPunct('/') ? '/' : c.acceptPunct('%') ? '%' : null;
    if (!op) return left;
    left = { kind: 'binary', op, left, right: unary(c) };
  }
}

function unary(c: TokenCursor): Expr {
  if (c.acceptPunct('-')) return { kind: 'negate', operand: unary(c) };
  if (c.acceptPunct('+')) return unary(c);
  return primary(c);
}

function primary(c: TokenCursor): Expr {
  if (c.acceptPunct('(')) {
    const inner = sum(c);
    c.expectPunct(')');
    return inner;
  }
  if (c.acceptPunct(':')) return { kind: 'variable', name: variableName(c) };
  const token = c.peek();
  if (token?.kind === 'string') {
    c.next();
    return { kind: 'text', value: token.value };
  }
  if (token?.kind !== 'word') throw new SqlSyntaxError(`expected a number, :variable or function ${c.near()}`);
  if (/^\d/.test(token.value)) return numberLiteral(c);
  c.next();
  const name = token.value.toLowerCase();
  if (!c.acceptPunct('(')) throw new SqlSyntaxError(`expected "(" after ${token.value} (a variable is written :${token.value})`);
  const args: Expr[] = [];
  if (!c.acceptPunct(')')) {
    do args.push(sum(c));
    while (c.acceptPunct(','));
    c.expectPunct(')');
  }
  return { kind: 'call', name, args };
}

function numberLiteral(c: TokenCursor): Expr {
  let text = c.next().value;
  const dot = c.peek();
  const fraction = c.peek(1);
  if (dot?.kind === 'punct' && dot.value === '.' && fraction?.kind === 'word' && /^\d+$/.test(fraction.value)) {
    c.next();
    c.next();
    text += `.${fraction.value}`;
  }
  if (!/^\d+(\.\d+)?$/.test(text)) throw new SqlSyntaxError(`"${text}" is not a number`);
  return { kind: 'number', value: Number(text) };
}

/** A variable's name after `:`: letters, digits and `_`, not starting with a digit. */
function variableName(c: TokenCursor): string {
  const token = c.peek();
  if (token?.kind !== 'word' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(token.value)) throw new SqlSyntaxError(`expected a variable name after ":" ${c.near()}`);
  c.next();
  return token.value;
}

/**
 * The type of an expression, given the types of the variables set so far; throws SqlSyntaxError
 * naming an unknown variable or function, a wrong argument count, or arithmetic on text or bytes.
 */
export function typeOf(expr: Expr, variables: ReadonlyMap<string, ValueType>): ValueType {
  switch (expr.kind) {
    case 'number':
      return 'number';
    case 'text':
      return 'text';
    case 'variable': {
      const type = variables.get(expr.name);
      if (!type) throw new SqlSyntaxError(`unknown variable :${expr.name} (set it with \\set ${expr.name} … before using it)`);
      return type;
    }
    case 'negate':
      requireNumber(typeOf(expr.operand, variables), 'unary -');
      return 'number';
    case 'binary':
      requireNumber(typeOf(expr.left, variables), expr.op);
      requireNumber(typeOf(expr.right, variables), expr.op);
      return 'number';
    case 'call': {
      const spec = FUNCTIONS[expr.name];
      if (!spec) throw new SqlSyntaxError(`unknown function ${expr.name}() (known: ${FUNCTION_NAMES.join(', ')})`);
      const least = spec.args.length - (spec.optional ?? 0);
      if (expr.args.length < least || expr.args.length > spec.args.length) {
        const count = least === spec.args.length ? `${least}` : `${least} to ${spec.args.length}`;
        throw new SqlSyntaxError(`${expr.name}() takes ${count} argument(s), not ${expr.args.length}`);
      }
      expr.args.forEach((arg, i) => {
        const type = typeOf(arg, variables);
        if (type !== spec.args[i]) throw new SqlSyntaxError(`argument ${i + 1} of ${expr.name}() must be a ${spec.args[i]}, not ${type}`);
      });
      return spec.returns;
    }
  }
}

function requireNumber(type: ValueType, op: string): void {
  if (type !== 'number') throw new SqlSyntaxError(`${op} needs numbers, not ${type}`);
}

/** The value of a type-checked expression. */
export function evaluate(expr: Expr, scope: Scope): Value {
  switch (expr.kind) {
    case 'number':
    case 'text':
      return expr.value;
    case 'variable': {
      const value = scope.variables.get(expr.name);
      if (value === undefined) throw new ScriptValueError(`:${expr.name} has no value`);
      return value;
    }
    case 'negate':
      return -Number(evaluate(expr.operand, scope));
    case 'binary':
      return arithmetic(expr.op, Number(evaluate(expr.left, scope)), Number(evaluate(expr.right, scope)));
    case 'call':
      return FUNCTIONS[expr.name]!.call(
        expr.args.map((arg) => evaluate(arg, scope)),
        scope,
      );
  }
}

/** As pgbench: integer operands give integer results (division truncates), any decimal gives a decimal. */
function arithmetic(op: '+' | '-' | '*' | '/' | '%', a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw new ScriptValueError('division by zero');
      return Number.isInteger(a) && Number.isInteger(b) ? Math.trunc(a / b) : a / b;
    case '%':
      if (b === 0) throw new ScriptValueError('modulo by zero');
      return a % b;
  }
}

function int(value: Value | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ScriptValueError(`${String(value)} is not a number`);
  return Math.trunc(n);
}

function checkBounds(name: string, lo: number, hi: number): void {
  if (lo > hi) throw new ScriptValueError(`${name}(${lo}, ${hi}): the lower bound is above the upper one`);
}

/** An integer from lo to hi inclusive, each equally likely. */
export function uniform(lo: number, hi: number, u: number): number {
  checkBounds('random', lo, hi);
  return lo + Math.floor((hi - lo + 1) * u);
}

/**
 * pgbench's random_gaussian: a normal draw cut at ±p standard deviations (p ≥ 2), mapped onto
 * lo..hi, so the middle of the range is drawn most often.
 */
export function gaussian(lo: number, hi: number, p: number, random: () => number): number {
  checkBounds('random_gaussian', lo, hi);
  if (!(p >= 2)) throw new ScriptValueError(`random_gaussian parameter ${p}: must be at least 2`);
  let stdev: number;
  do {
    // Box–Muller; 1 - random() is in (0, 1], so the logarithm is finite.
    stdev = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  } while (stdev < -p || stdev >= p);
  return lo + Math.floor((hi - lo + 1) * ((stdev + p) / (2 * p)));
}

/**
 * pgbench's random_exponential: values near lo are drawn most often, the frequency falling by
 * e^-p across the range (p > 0).
 */
export function exponential(lo: number, hi: number, p: number, u: number): number {
  checkBounds('random_exponential', lo, hi);
  if (!(p > 0)) throw new ScriptValueError(`random_exponential parameter ${p}: must be greater than 0`);
  const cut = Math.exp(-p);
  const r = -Math.log(cut + (1 - cut) * (1 - u)) / p;
  return lo + Math.floor((hi - lo + 1) * r);
}
