/**
 * One SQL statement of a script: `:name` rewritten into a bound `?`, `{table}` into a reference
 * to a library table that is named per library when the statement is sent; BEGIN, COMMIT and
 * ROLLBACK recognised as the transaction they open or close.
 */
import { statementKind, tokenize, type StatementKind, type Token } from '../sql/sqlText.js';
import type { ValueType } from './expression.js';

/** A library table a statement names, `{member}`; `feature` is model version 1's, `feature_2` version 2's. */
export type TableRef = 'group' | 'member' | 'image' | `feature_${number}`;

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

export function transactionControl(sql: string): 'begin' | 'commit' | 'rollback' | null {
  const words = sql.trim().toUpperCase().split(/\s+/);
  if ((words[0] === 'BEGIN' && (words.length === 1 || (words.length === 2 && words[1] === 'WORK'))) || (words[0] === 'START' && words[1] === 'TRANSACTION')) return 'begin';
  if ((words[0] === 'COMMIT' || words[0] === 'ROLLBACK') && (words.length === 1 || words[1] === 'WORK')) return words[0] === 'COMMIT' ? 'commit' : 'rollback';
  return null;
}

export function controlStatement(line: number, sql: string, control: 'begin' | 'commit' | 'rollback'): Statement {
  return { kind: 'statement', line, text: sql, pieces: [sql], params: [], what: 'other', control };
}

const TABLE_NAMES = /^(group|member|image|feature(?:_([1-9]\d{0,4}))?)$/;

/** Rewrites `:name` into a bound `?` and `{table}` into a table reference, checking both. */
export function parseStatement(line: number, sql: string, types: ReadonlyMap<string, ValueType>, at: (line: number, message: string) => void): Statement | null {
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
