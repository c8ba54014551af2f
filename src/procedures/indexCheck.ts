/**
 * The operations guide's index optimisation (TODO-01), as one measured procedure:
 *
 *   before  → which planned indexes exist (information_schema.STATISTICS), EXPLAIN of each query,
 *             its time (median / p95 of --repeat runs), and the write throughput of the plan's
 *             first table;
 *   apply   → each missing index is added, MariaDB's ALTER TABLE progress read from a second
 *             connection every second (information_schema.PROCESSLIST STAGE/MAX_STAGE/PROGRESS);
 *   after   → the same measurements;
 *   verdict → the guide's acceptance criteria: query time −≥ 50 %, write throughput −< 10 %,
 *             0 missing indexes, every query's EXPLAIN uses its index (no full table scan).
 *   rollback→ `ALTER TABLE t DROP INDEX idx` for the plan's indexes (only those it names, only if
 *             present).
 *
 * The plan file is index DDL as the guide's `p0_01_add_indexes.sql` writes it:
 *   ALTER TABLE t ADD INDEX idx_a (a), ADD INDEX idx_ab (a, b) [, ALGORITHM=INPLACE, LOCK=NONE];
 *   CREATE [UNIQUE] INDEX idx ON t (a, b(10) DESC);
 *   USE db;                 -- qualifies the following tables (or write db.t)
 *   -- comments, # comments and /* comments *\/ are ignored; so are SELECT/SET/SHOW statements.
 * Anything else that changes schema (DROP INDEX, other ALTER clauses) is refused: the plan only
 * adds, the rollback is derived.
 *
 * The queries file holds read-only statements (SELECT / WITH / (…)), `;`-separated, each
 * optionally preceded by `-- expect: idx_name` naming the index its EXPLAIN must show. Without a
 * queries file one query per planned index is derived: equality on all its columns but the last,
 * `>=` on the last, with the values of the row at 99 % of the index order (a selective range such
 * as a CDC extraction's `update_time >= checkpoint`); those queries only have to avoid a full scan.
 *
 * The write workload: single-row INSERTs into the plan's first table from --write-connections
 * connections in a loop, every column given a generated value from its information_schema.COLUMNS
 * type (auto-increment and generated columns omitted, date/time columns NOW()), the inserted rows
 * deleted again by their auto-increment id. Or `--write-sql` with `?` placeholders filled by the
 * generators named in --write-params (see WRITE_GENERATORS); those rows are not deleted.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import mysqlPromise from 'mysql2/promise';
import { format as formatSql } from 'mysql2';
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, driverOptions, type PromiseConnection } from '../db/connect.js';
import { quoteIdent } from '../db/identifiers.js';

// ---------------------------------------------------------------------------------------------
// Statements: splitting a file into statements with the comments before each
// ---------------------------------------------------------------------------------------------

export interface SqlStatement {
  /** The statement without comments, whitespace collapsed at the ends, no trailing `;`. */
  sql: string;
  /** The text of the `--`/`#` line comments and block comments met since the previous statement. */
  comments: string[];
  /** 1-based line where the statement starts. */
  line: number;
}

/** Splits SQL text at `;` outside quotes and comments (no DELIMITER support: plans have no routines). */
export function splitStatements(text: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let current = '';
  let comments: string[] = [];
  let line = 1;
  let startLine = 0;
  let i = 0;
  const push = (): void => {
    const sql = current.trim();
    if (sql) statements.push({ sql, comments, line: startLine || line });
    if (sql) comments = [];
    current = '';
    startLine = 0;
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1] ?? '';
    if (c === '\n') line++;
    if ((c === '-' && next === '-' && /[\s]/.test(text[i + 2] ?? ' ')) || c === '#') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      comments.push(text.slice(i + (c === '#' ? 1 : 2), stop).trim());
      current += ' ';
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      const body = text.slice(i + 2, end === -1 ? text.length : end);
      line += (body.match(/\n/g) ?? []).length;
      comments.push(body.trim());
      current += ' ';
      i = stop;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      if (!startLine) startLine = line;
      let j = i + 1;
      while (j < text.length) {
        const d = text[j]!;
        if (d === '\n') line++;
        if (d === '\\' && c !== '`') {
          j += 2;
          continue;
        }
        if (d === c) {
          if (text[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      current += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === ';') {
      push();
      i++;
      continue;
    }
    if (!startLine && !/\s/.test(c)) startLine = line;
    current += c;
    i++;
  }
  push();
  return statements;
}

// ---------------------------------------------------------------------------------------------
// Tokens and the plan parser
// ---------------------------------------------------------------------------------------------

interface Token {
  kind: 'word' | 'quoted' | 'string' | 'punct';
  /** Identifier or string value (unquoted), or the punctuation character. */
  value: string;
  start: number;
  end: number;
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[\p{L}\p{N}_$]/u.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\p{L}\p{N}_$]/u.test(sql[j]!)) j++;
      tokens.push({ kind: 'word', value: sql.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (c === '`' || c === "'" || c === '"') {
      let j = i + 1;
      let value = '';
      while (j < sql.length) {
        const d = sql[j]!;
        if (d === '\\' && c !== '`') {
          value += sql[j + 1] ?? '';
          j += 2;
          continue;
        }
        if (d === c) {
          if (sql[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += d;
        j++;
      }
      tokens.push({ kind: c === '`' ? 'quoted' : 'string', value, start: i, end: Math.min(j + 1, sql.length) });
      i = j + 1;
      continue;
    }
    tokens.push({ kind: 'punct', value: c, start: i, end: i + 1 });
    i++;
  }
  return tokens;
}

class PlanSyntaxError extends Error {}

class Cursor {
  private i = 0;
  constructor(
    readonly sql: string,
    private readonly tokens: Token[],
  ) {}

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  next(): Token {
    const token = this.tokens[this.i++];
    if (!token) throw new PlanSyntaxError('unexpected end of statement');
    return token;
  }

  isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === 'word' && token.value.toUpperCase() === word;
  }

  acceptWord(...words: string[]): boolean {
    if (!words.every((w, k) => this.isWord(w, k))) return false;
    this.i += words.length;
    return true;
  }

  expectWord(word: string): void {
    if (!this.acceptWord(word)) throw new PlanSyntaxError(`expected ${word} ${this.near()}`);
  }

  isPunct(p: string): boolean {
    const token = this.peek();
    return token?.kind === 'punct' && token.value === p;
  }

  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.i++;
    return true;
  }

  expectPunct(p: string): Token {
    if (!this.isPunct(p)) throw new PlanSyntaxError(`expected "${p}" ${this.near()}`);
    return this.next();
  }

  identifier(what: string): string {
    const token = this.peek();
    if (!token || (token.kind !== 'word' && token.kind !== 'quoted')) throw new PlanSyntaxError(`expected ${what} ${this.near()}`);
    this.i++;
    return token.value;
  }

  /** Index of the current token's start in the SQL text (its length at the end). */
  get offset(): number {
    return this.peek()?.start ?? this.sql.length;
  }

  near(): string {
    const token = this.peek();
    return token ? `near "${this.sql.slice(token.start, token.start + 30)}"` : 'at the end';
  }
}

export interface IndexColumn {
  name: string;
  /** Prefix length, as in `name(10)`. */
  length?: number;
  order?: 'ASC' | 'DESC';
}

export interface PlannedIndex {
  /** The schema the plan named (`db.t` or `USE db`); undefined: the connection's database. */
  schema?: string;
  table: string;
  name: string;
  columns: IndexColumn[];
  kind: 'INDEX' | 'UNIQUE' | 'FULLTEXT' | 'SPATIAL';
  /** The ADD clause that creates it, as the plan wrote it: `ADD INDEX idx (a, b) COMMENT '…'`. */
  addClause: string;
  /** ALGORITHM= / LOCK= clauses of its statement, appended when it is applied. */
  alterOptions: string[];
  line: number;
}

export interface PlanProblem {
  line: number;
  sql: string;
  reason: string;
}

export interface Plan {
  indexes: PlannedIndex[];
  /** Statements that are not index DDL and were skipped (USE is applied, not listed). */
  ignored: PlanProblem[];
  /** Statements that change schema in a way the plan must not, or could not be parsed. */
  errors: PlanProblem[];
}

const IGNORABLE = /^(SELECT|SHOW|SET|EXPLAIN|DESCRIBE|DESC|ANALYZE|CHECK|OPTIMIZE|SOURCE|DELIMITER|START|BEGIN|COMMIT|FLUSH)\b/i;

export function parsePlan(text: string): Plan {
  const plan: Plan = { indexes: [], ignored: [], errors: [] };
  let schema: string | undefined;
  for (const statement of splitStatements(text)) {
    const problem = (reason: string): PlanProblem => ({ line: statement.line, sql: shorten(statement.sql), reason });
    const cursor = new Cursor(statement.sql, tokenize(statement.sql));
    try {
      if (cursor.acceptWord('USE')) {
        schema = cursor.identifier('a database name');
        if (!cursor.done) throw new PlanSyntaxError(`unexpected text ${cursor.near()}`);
        continue;
      }
      if (IGNORABLE.test(statement.sql)) {
        plan.ignored.push(problem('not index DDL'));
        continue;
      }
      const found = parseIndexStatement(cursor, statement.line);
      if (!found) {
        plan.errors.push(problem('only ALTER TABLE … ADD INDEX and CREATE INDEX belong in a plan (its rollback is derived)'));
        continue;
      }
      for (const index of found) {
        if (index.schema === undefined && schema !== undefined) index.schema = schema;
        const duplicate = plan.indexes.find(
          (other) => sameName(other.table, index.table) && sameName(other.name, index.name) && (other.schema ?? '') === (index.schema ?? ''),
        );
        if (duplicate) plan.errors.push(problem(`index ${index.name} on ${index.table} is planned twice (also line ${duplicate.line})`));
        else plan.indexes.push(index);
      }
    } catch (error) {
      if (!(error instanceof PlanSyntaxError)) throw error;
      plan.errors.push(problem(error.message));
    }
  }
  return plan;
}

/** The indexes an ALTER TABLE … ADD INDEX or CREATE INDEX statement adds; null for another statement. */
function parseIndexStatement(cursor: Cursor, line: number): PlannedIndex[] | null {
  if (cursor.acceptWord('ALTER')) {
    cursor.acceptWord('ONLINE');
    cursor.acceptWord('IGNORE');
    if (!cursor.acceptWord('TABLE')) return null;
    cursor.acceptWord('IF', 'EXISTS');
    const { schema, table } = tableName(cursor);
    const indexes: PlannedIndex[] = [];
    const alterOptions: string[] = [];
    do {
      const option = alterOption(cursor);
      if (option) {
        alterOptions.push(option);
        continue;
      }
      const start = cursor.offset;
      if (!cursor.acceptWord('ADD')) throw new PlanSyntaxError(`only ADD INDEX clauses (and ALGORITHM=/LOCK=) are allowed in a plan's ALTER TABLE ${cursor.near()}`);
      const kind = indexKind(cursor);
      if (!kind) throw new PlanSyntaxError(`only ADD INDEX clauses are allowed in a plan's ALTER TABLE ${cursor.near()}`);
      cursor.acceptWord('IF', 'NOT', 'EXISTS');
      if (cursor.isPunct('(') || cursor.isWord('USING')) throw new PlanSyntaxError(`index without a name: name it so that it can be verified and rolled back ${cursor.near()}`);
      const name = cursor.identifier('an index name');
      skipUsing(cursor);
      const columns = columnList(cursor);
      indexOptions(cursor, [',']);
      indexes.push({ table, name, columns, kind, addClause: cursor.sql.slice(start, cursor.offset).trim().replace(/,$/, '').trim(), alterOptions, line, ...(schema ? { schema } : {}) });
    } while (cursor.acceptPunct(','));
    if (!cursor.done) throw new PlanSyntaxError(`unexpected text ${cursor.near()}`);
    if (indexes.length === 0) throw new PlanSyntaxError('ALTER TABLE adds no index');
    return indexes;
  }
  if (cursor.acceptWord('CREATE')) {
    cursor.acceptWord('OR', 'REPLACE');
    cursor.acceptWord('ONLINE');
    let kind: PlannedIndex['kind'] = 'INDEX';
    for (const k of ['UNIQUE', 'FULLTEXT', 'SPATIAL'] as const) if (cursor.acceptWord(k)) kind = k;
    if (!cursor.acceptWord('INDEX')) return null;
    cursor.acceptWord('IF', 'NOT', 'EXISTS');
    const name = cursor.identifier('an index name');
    skipUsing(cursor);
    cursor.expectWord('ON');
    const { schema, table } = tableName(cursor);
    const columnsStart = cursor.offset;
    const columns = columnList(cursor);
    const columnsEnd = cursor.offset;
    const alterOptions: string[] = [];
    const kept = indexOptions(cursor, [], alterOptions);
    if (!cursor.done) throw new PlanSyntaxError(`unexpected text ${cursor.near()}`);
    const addClause = `ADD ${kind === 'INDEX' ? 'INDEX' : `${kind} INDEX`} ${quoteIdent(name)} ${cursor.sql.slice(columnsStart, columnsEnd).trim()}${kept ? ` ${kept}` : ''}`;
    return [{ table, name, columns, kind, addClause, alterOptions, line, ...(schema ? { schema } : {}) }];
  }
  return null;
}

function tableName(cursor: Cursor): { schema?: string; table: string } {
  const first = cursor.identifier('a table name');
  if (cursor.acceptPunct('.')) return { schema: first, table: cursor.identifier('a table name') };
  return { table: first };
}

function indexKind(cursor: Cursor): PlannedIndex['kind'] | null {
  if (cursor.acceptWord('CONSTRAINT')) {
    if (!cursor.isWord('UNIQUE')) cursor.identifier('a constraint name');
  }
  for (const k of ['UNIQUE', 'FULLTEXT', 'SPATIAL'] as const) {
    if (cursor.acceptWord(k)) {
      if (!cursor.acceptWord('INDEX')) cursor.acceptWord('KEY');
      return k;
    }
  }
  if (cursor.acceptWord('INDEX') || cursor.acceptWord('KEY')) return 'INDEX';
  return null;
}

function skipUsing(cursor: Cursor): void {
  if (cursor.acceptWord('USING')) cursor.identifier('BTREE or HASH');
}

/** `ALGORITHM [=] x` or `LOCK [=] x` as text, or null. */
function alterOption(cursor: Cursor): string | null {
  for (const word of ['ALGORITHM', 'LOCK']) {
    if (cursor.acceptWord(word)) {
      cursor.acceptPunct('=');
      return `${word}=${cursor.identifier(`a ${word} value`).toUpperCase()}`;
    }
  }
  return null;
}

function columnList(cursor: Cursor): IndexColumn[] {
  cursor.expectPunct('(');
  const columns: IndexColumn[] = [];
  do {
    if (cursor.isPunct('(')) throw new PlanSyntaxError(`functional key parts are not supported ${cursor.near()}`);
    const column: IndexColumn = { name: cursor.identifier('a column name') };
    if (cursor.acceptPunct('(')) {
      const length = cursor.identifier('a prefix length');
      if (!/^\d+$/.test(length)) throw new PlanSyntaxError(`expected a prefix length ${cursor.near()}`);
      column.length = Number(length);
      cursor.expectPunct(')');
    }
    if (cursor.acceptWord('ASC')) column.order = 'ASC';
    else if (cursor.acceptWord('DESC')) column.order = 'DESC';
    columns.push(column);
  } while (cursor.acceptPunct(','));
  cursor.expectPunct(')');
  return columns;
}

/**
 * Passes over index options (COMMENT '…', KEY_BLOCK_SIZE=n, VISIBLE, USING BTREE…) up to a stop
 * punctuation and returns their text; ALGORITHM/LOCK go to `alterOptions` when it is given.
 */
function indexOptions(cursor: Cursor, stops: string[], alterOptions?: string[]): string {
  const kept: string[] = [];
  while (!cursor.done && !stops.some((p) => cursor.isPunct(p))) {
    const option = alterOptions ? alterOption(cursor) : null;
    if (option) {
      alterOptions!.push(option);
      continue;
    }
    const token = cursor.next();
    if (token.kind === 'punct' && token.value === '(') throw new PlanSyntaxError(`unexpected "(" ${cursor.near()}`);
    kept.push(cursor.sql.slice(token.start, token.end));
  }
  return kept.join(' ').replace(/\s*=\s*/g, '=');
}

/** The statements that undo the plan: one `ALTER TABLE t DROP INDEX idx` per planned index. */
export function rollbackStatements(plan: Pick<Plan, 'indexes'>): string[] {
  return plan.indexes.map((index) => dropStatement(index));
}

export function dropStatement(index: Pick<PlannedIndex, 'schema' | 'table' | 'name'>): string {
  return `ALTER TABLE ${qualified(index)} DROP INDEX ${quoteIdent(index.name)}`;
}

export function addStatement(index: PlannedIndex): string {
  return `ALTER TABLE ${qualified(index)} ${[index.addClause, ...index.alterOptions].join(', ')}`;
}

function qualified(index: Pick<PlannedIndex, 'schema' | 'table'>): string {
  return index.schema ? `${quoteIdent(index.schema)}.${quoteIdent(index.table)}` : quoteIdent(index.table);
}

// ---------------------------------------------------------------------------------------------
// Queries file
// ---------------------------------------------------------------------------------------------

export interface PlannedQuery {
  sql: string;
  /** The index its EXPLAIN must show (`-- expect: idx`); undefined: any index, no full table scan. */
  expect?: string;
  /** The planned index the query was derived for, when no queries file was given. */
  derivedFor?: string;
  line: number;
}

export function parseQueries(text: string): { queries: PlannedQuery[]; errors: PlanProblem[] } {
  const queries: PlannedQuery[] = [];
  const errors: PlanProblem[] = [];
  for (const statement of splitStatements(text)) {
    let expect: string | undefined;
    for (const comment of statement.comments) {
      const match = /^expect\s*:\s*(.+?)\s*$/i.exec(comment);
      if (match) expect = match[1]!.replace(/^`(.*)`$/, '$1');
    }
    if (!/^(SELECT|WITH|\()/i.test(statement.sql)) {
      errors.push({ line: statement.line, sql: shorten(statement.sql), reason: 'only read-only queries (SELECT, WITH) are timed: each runs --repeat times' });
      continue;
    }
    queries.push({ sql: statement.sql, line: statement.line, ...(expect ? { expect } : {}) });
  }
  return { queries, errors };
}

// ---------------------------------------------------------------------------------------------
// EXPLAIN, timing and the acceptance table (pure parts)
// ---------------------------------------------------------------------------------------------

export interface ExplainRow {
  table: string | null;
  type: string | null;
  key: string | null;
  rows: number | null;
  extra: string;
}

export interface ExplainCheck {
  /** `table:type(key)` per row, as the guide's verification prints it. */
  access: string;
  fullScan: boolean;
  /** The keys EXPLAIN chose. */
  keys: string[];
  ok: boolean;
  reason: string;
}

/**
 * A query passes when EXPLAIN shows its expected index on a row that is not a full table scan
 * (type ALL); without an expectation, when no row is a full scan and some row uses an index.
 */
export function checkExplain(rows: readonly ExplainRow[], expect?: string): ExplainCheck {
  const access = rows.map((r) => `${r.table ?? '-'}:${r.type ?? '-'}${r.key ? `(${r.key})` : ''}${r.rows !== null ? ` rows=${r.rows}` : ''}`).join(', ');
  const fullScan = rows.some((r) => r.type?.toUpperCase() === 'ALL');
  const keysOf = (r: ExplainRow): string[] => (r.key ? r.key.split(',').map((k) => k.trim()) : []);
  const keys = rows.flatMap(keysOf);
  if (expect) {
    const using = rows.find((r) => keysOf(r).some((k) => sameName(k, expect)) && r.type?.toUpperCase() !== 'ALL');
    if (using) return { access, fullScan, keys, ok: true, reason: `uses ${expect}` };
    return { access, fullScan, keys, ok: false, reason: fullScan ? `full table scan, ${expect} not used` : `${expect} not used${keys.length ? ` (uses ${keys.join(', ')})` : ''}` };
  }
  if (fullScan) return { access, fullScan, keys, ok: false, reason: 'full table scan' };
  if (keys.length === 0) return { access, fullScan, keys, ok: false, reason: 'no index used' };
  return { access, fullScan, keys, ok: true, reason: `uses ${keys.join(', ')}` };
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export type IndexState = 'present' | 'missing' | 'different';

export interface IndexStatus {
  index: PlannedIndex;
  schema: string;
  state: IndexState;
  /** The columns the server has for an index of that name, when it has one. */
  actual?: string[];
}

export interface QueryMeasure {
  query: PlannedQuery;
  explain: ExplainCheck;
  medianMs: number;
  p95Ms: number;
  runs: number;
}

export interface WriteMeasure {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  /** Rows written in each whole second of the run: their spread shows how noisy the server is. */
  perSecond: number[];
  errors: number;
  firstError?: string;
  connections: number;
}

export interface Measurement {
  indexes: IndexStatus[];
  missing: number;
  queries: QueryMeasure[];
  /** null when the write workload was not run (--write-seconds 0). */
  writes: WriteMeasure | null;
}

export const ACCEPT_QUERY_REDUCTION_PCT = 50;
export const ACCEPT_WRITE_LOSS_PCT = 10;

export type CriterionResult = 'PASS' | 'FAIL' | 'n/a';

export interface Criterion {
  name: string;
  before: string;
  after: string;
  change: string;
  rule: string;
  result: CriterionResult;
  note?: string;
}

export interface Acceptance {
  criteria: Criterion[];
  accepted: boolean;
}

/** Sum of the queries' median times: the "pipeline time" the guide compares. */
export function queryTimeMs(m: Measurement): number {
  return m.queries.reduce((sum, q) => sum + q.medianMs, 0);
}

/**
 * The guide's acceptance criteria. With `after` null (no --apply), the current state is judged:
 * missing indexes and EXPLAIN only; time and write criteria need a before and an after.
 */
export function acceptance(before: Measurement, after: Measurement | null): Acceptance {
  const criteria: Criterion[] = [];
  const final = after ?? before;
  const tBefore = queryTimeMs(before);
  if (before.queries.length === 0) {
    criteria.push({ name: 'query time (sum of medians)', before: '-', after: '-', change: '-', rule: `≥ ${ACCEPT_QUERY_REDUCTION_PCT} % less`, result: 'n/a', note: 'no queries' });
  } else if (!after) {
    criteria.push({ name: 'query time (sum of medians)', before: ms(tBefore), after: '-', change: '-', rule: `≥ ${ACCEPT_QUERY_REDUCTION_PCT} % less`, result: 'n/a', note: 'needs --apply' });
  } else {
    const tAfter = queryTimeMs(after);
    const reduction = tBefore > 0 ? (100 * (tBefore - tAfter)) / tBefore : 0;
    criteria.push({
      name: 'query time (sum of medians)',
      before: ms(tBefore),
      after: ms(tAfter),
      change: signedPct(-reduction),
      rule: `≥ ${ACCEPT_QUERY_REDUCTION_PCT} % less`,
      result: reduction >= ACCEPT_QUERY_REDUCTION_PCT ? 'PASS' : 'FAIL',
    });
  }
  if (!before.writes || (after && !after.writes)) {
    criteria.push({ name: 'write throughput', before: '-', after: '-', change: '-', rule: `< ${ACCEPT_WRITE_LOSS_PCT} % loss`, result: 'n/a', note: 'not measured (--write-seconds 0)' });
  } else if (!after) {
    criteria.push({ name: 'write throughput', before: rate(before.writes.rowsPerSec), after: '-', change: '-', rule: `< ${ACCEPT_WRITE_LOSS_PCT} % loss`, result: 'n/a', note: 'needs --apply' });
  } else {
    const b = before.writes.rowsPerSec;
    const a = after.writes!.rowsPerSec;
    const loss = b > 0 ? (100 * (b - a)) / b : 100;
    const failedWrites = before.writes.rows === 0 || after.writes!.rows === 0;
    criteria.push({
      name: 'write throughput',
      before: rate(b),
      after: rate(a),
      change: signedPct(-loss),
      rule: `< ${ACCEPT_WRITE_LOSS_PCT} % loss`,
      result: !failedWrites && loss < ACCEPT_WRITE_LOSS_PCT ? 'PASS' : 'FAIL',
      ...(failedWrites ? { note: 'no row was written' } : {}),
    });
  }
  criteria.push({
    name: 'missing indexes',
    before: String(before.missing),
    after: after ? String(after.missing) : '-',
    change: '-',
    rule: '0',
    result: final.missing === 0 ? 'PASS' : 'FAIL',
  });
  const okCount = (m: Measurement): number => m.queries.filter((q) => q.explain.ok).length;
  criteria.push({
    name: 'EXPLAIN uses the index',
    before: `${okCount(before)}/${before.queries.length}`,
    after: after ? `${okCount(after)}/${after.queries.length}` : '-',
    change: '-',
    rule: 'all, no full scan',
    result: final.queries.length === 0 ? 'n/a' : okCount(final) === final.queries.length ? 'PASS' : 'FAIL',
  });
  const evaluated = criteria.filter((c) => c.result !== 'n/a');
  return { criteria, accepted: evaluated.length > 0 && evaluated.every((c) => c.result === 'PASS') };
}

export function formatAcceptance(a: Acceptance): string[] {
  const header = ['criterion', 'before', 'after', 'change', 'accept when', 'result'];
  const rows = a.criteria.map((c) => [c.name, c.before, c.after, c.change, c.rule, c.note ? `${c.result} (${c.note})` : c.result]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]): string => '  ' + cells.map((cell, k) => (k === 0 || k >= 4 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line), `  overall: ${a.accepted ? 'ACCEPT' : 'REJECT'}`];
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

function rate(value: number): string {
  return `${value.toFixed(0)} rows/s`;
}

function signedPct(value: number): string {
  const rounded = Number(value.toFixed(1));
  return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)} %`;
}

function shorten(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Against the server
// ---------------------------------------------------------------------------------------------

type Row = Record<string, unknown>;

async function select<T = Row>(connection: PromiseConnection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await connection.query(sql, params);
  return rows as T[];
}

/** Which planned indexes exist, as information_schema.STATISTICS lists them. */
export async function indexStatuses(connection: PromiseConnection, indexes: readonly PlannedIndex[], defaultSchema: string): Promise<IndexStatus[]> {
  const statuses: IndexStatus[] = [];
  const bySchema = new Map<string, PlannedIndex[]>();
  for (const index of indexes) {
    const schema = index.schema ?? defaultSchema;
    bySchema.set(schema, [...(bySchema.get(schema) ?? []), index]);
  }
  const actual = new Map<string, string[]>();
  for (const [schema, list] of bySchema) {
    const rows = await select<{ t: string; i: string; c: string | null }>(
      connection,
      `SELECT TABLE_NAME AS t, INDEX_NAME AS i, COLUMN_NAME AS c FROM information_schema.STATISTICS
       WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      [schema, [...new Set(list.map((i) => i.table))]],
    );
    for (const row of rows) {
      const key = `${schema}\u0000${row.t.toLowerCase()}\u0000${row.i.toLowerCase()}`;
      actual.set(key, [...(actual.get(key) ?? []), row.c ?? '(expression)']);
    }
  }
  for (const index of indexes) {
    const schema = index.schema ?? defaultSchema;
    const columns = actual.get(`${schema}\u0000${index.table.toLowerCase()}\u0000${index.name.toLowerCase()}`);
    if (!columns) statuses.push({ index, schema, state: 'missing' });
    else {
      const same = columns.length === index.columns.length && columns.every((c, k) => sameName(c, index.columns[k]!.name));
      statuses.push({ index, schema, state: same ? 'present' : 'different', actual: columns });
    }
  }
  return statuses;
}

export async function explain(connection: PromiseConnection, sql: string): Promise<ExplainRow[]> {
  const rows = await select<Row>(connection, `EXPLAIN ${sql}`);
  return rows.map((r) => ({
    table: (r.table as string | null) ?? null,
    type: (r.type as string | null) ?? null,
    key: (r.key as string | null) ?? null,
    rows: r.rows === null || r.rows === undefined ? null : Number(r.rows),
    extra: String(r.Extra ?? ''),
  }));
}

/** Runs the query once to warm the buffer pool, then `repeat` timed runs (rows fetched). */
export async function timeQuery(connection: PromiseConnection, sql: string, repeat: number): Promise<{ medianMs: number; p95Ms: number; runs: number }> {
  await connection.query(sql);
  const samples: number[] = [];
  for (let k = 0; k < repeat; k++) {
    const started = process.hrtime.bigint();
    await connection.query(sql);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { medianMs: median(samples), p95Ms: percentile(samples, 95), runs: repeat };
}

/** One query per planned index, for when no queries file is given (see the header). */
export async function deriveQueries(connection: PromiseConnection, indexes: readonly PlannedIndex[], defaultSchema: string): Promise<PlannedQuery[]> {
  const queries: PlannedQuery[] = [];
  for (const index of indexes) {
    if (index.kind === 'FULLTEXT' || index.kind === 'SPATIAL') continue;
    const table = `${quoteIdent(index.schema ?? defaultSchema)}.${quoteIdent(index.table)}`;
    const cols = index.columns.map((c) => quoteIdent(c.name));
    const [countRow] = await select<{ n: number }>(connection, `SELECT COUNT(*) AS n FROM ${table}`);
    const n = Number(countRow?.n ?? 0);
    if (n === 0) throw new Error(`${index.table} is empty: no query can be derived for ${index.name}; give --queries`);
    const [row] = await select<Row>(
      connection,
      `SELECT ${cols.map((c, k) => `${c} AS c${k}`).join(', ')} FROM ${table} ORDER BY ${cols.join(', ')} LIMIT 1 OFFSET ?`,
      [Math.floor(n * 0.99)],
    );
    const values = index.columns.map((_, k) => row?.[`c${k}`]);
    const where = cols.map((col, k) => {
      const value = values[k];
      if (value === null || value === undefined) return `${col} IS NULL`;
      return formatSql(`${col} ${k === cols.length - 1 ? '>=' : '='} ?`, [value as string]);
    });
    queries.push({ sql: `SELECT * FROM ${table} WHERE ${where.join(' AND ')}`, derivedFor: index.name, line: index.line });
  }
  return queries;
}

// --- the write workload -----------------------------------------------------------------------

/** Generators for `--write-sql` placeholders, named in `--write-params` in placeholder order. */
export const WRITE_GENERATORS: Record<string, { describe: string; make: (seq: number) => unknown }> = {
  seq: { describe: 'an increasing integer (per run, shared by the connections)', make: (seq) => seq },
  int: { describe: 'a random integer in [0, 2^31)', make: () => Math.floor(Math.random() * 2 ** 31) },
  small: { describe: 'a random integer in [0, 10) (status-like)', make: () => Math.floor(Math.random() * 10) },
  str: { describe: 'a random 16-character string', make: () => randomString(16) },
  now: { describe: 'the current date and time', make: () => new Date() },
  uuid: { describe: 'a random UUID', make: () => randomUUID() },
};

export interface WriteTarget {
  /** The statement, `?` placeholders filled per row by `params`. */
  sql: string;
  params: Array<(seq: number) => unknown>;
  /** Table and auto-increment column to delete the inserted rows from afterwards; undefined: rows are kept. */
  cleanup?: { table: string; column: string };
  describe: string;
}

interface ColumnInfo {
  name: string;
  dataType: string;
  columnType: string;
  nullable: boolean;
  hasDefault: boolean;
  extra: string;
  maxLength: number | null;
  precision: number | null;
  scale: number | null;
}

/** The INSERT the write workload runs on a table, values generated from the column types. */
export async function generatedInsert(connection: PromiseConnection, schema: string, table: string): Promise<WriteTarget> {
  const rows = await select<Row>(
    connection,
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable,
            COLUMN_DEFAULT AS def, EXTRA AS extra, CHARACTER_MAXIMUM_LENGTH AS maxLength,
            NUMERIC_PRECISION AS numericPrecision, NUMERIC_SCALE AS numericScale
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [schema, table],
  );
  if (rows.length === 0) throw new Error(`table ${schema}.${table} does not exist`);
  const columns: ColumnInfo[] = rows.map((r) => ({
    name: String(r.name),
    dataType: String(r.dataType).toLowerCase(),
    columnType: String(r.columnType).toLowerCase(),
    nullable: r.nullable === 'YES',
    hasDefault: r.def !== null && r.def !== undefined,
    extra: String(r.extra ?? '').toLowerCase(),
    maxLength: r.maxLength === null || r.maxLength === undefined ? null : Number(r.maxLength),
    precision: r.numericPrecision === null || r.numericPrecision === undefined ? null : Number(r.numericPrecision),
    scale: r.numericScale === null || r.numericScale === undefined ? null : Number(r.numericScale),
  }));
  const names: string[] = [];
  const values: string[] = [];
  const params: WriteTarget['params'] = [];
  let autoIncrement: string | undefined;
  for (const column of columns) {
    if (column.extra.includes('auto_increment')) {
      autoIncrement = column.name;
      continue;
    }
    if (/generated/.test(column.extra) && !/default_generated/.test(column.extra)) continue;
    const value = columnValue(column);
    if (!value) {
      if (column.nullable || column.hasDefault) continue;
      throw new Error(`cannot generate a value for ${table}.${column.name} (${column.columnType}): give --write-sql`);
    }
    names.push(quoteIdent(column.name));
    if (typeof value === 'string') values.push(value);
    else {
      values.push('?');
      params.push(value);
    }
  }
  const target = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const sql = `INSERT INTO ${target} (${names.join(', ')}) VALUES (${values.join(', ')})`;
  return {
    sql,
    params,
    ...(autoIncrement ? { cleanup: { table: target, column: autoIncrement } } : {}),
    describe: `single-row INSERTs into ${table} (${names.length} generated columns${autoIncrement ? ', rows deleted afterwards' : ', rows kept: no auto-increment column to find them by'})`,
  };
}

/** A SQL expression (string) or a value generator for a column; null when none fits. */
function columnValue(c: ColumnInfo): string | ((seq: number) => unknown) | null {
  const unsigned = c.columnType.includes('unsigned');
  const intMax: Record<string, number> = { tinyint: 127, smallint: 32767, mediumint: 8388607, int: 2147483647, integer: 2147483647, bigint: 2147483647 };
  if (c.dataType in intMax) {
    const max = unsigned && c.dataType === 'tinyint' ? 255 : intMax[c.dataType]!;
    return () => Math.floor(Math.random() * (max + 1));
  }
  if (c.dataType === 'decimal' || c.dataType === 'numeric') {
    const digits = Math.max(0, (c.precision ?? 10) - (c.scale ?? 0));
    const max = Math.min(10 ** digits - 1, 1_000_000);
    return () => (Math.random() * max).toFixed(c.scale ?? 0);
  }
  if (c.dataType === 'float' || c.dataType === 'double' || c.dataType === 'real') return () => Math.random() * 1000;
  if (c.dataType === 'bit') return () => 0;
  if (c.dataType === 'boolean' || c.dataType === 'bool') return () => Math.round(Math.random());
  if (c.dataType === 'char' || c.dataType === 'varchar') {
    const length = Math.min(c.maxLength ?? 16, 16);
    return () => randomString(length);
  }
  if (/text$/.test(c.dataType)) return () => randomString(16);
  if (c.dataType === 'binary' || c.dataType === 'varbinary') {
    const length = Math.min(c.maxLength ?? 16, 16);
    return () => randomBytes(length);
  }
  if (/blob$/.test(c.dataType)) return () => randomBytes(16);
  if (c.dataType === 'datetime' || c.dataType === 'timestamp') return 'NOW()';
  if (c.dataType === 'date') return 'CURDATE()';
  if (c.dataType === 'time') return 'CURTIME()';
  if (c.dataType === 'year') return 'YEAR(NOW())';
  if (c.dataType === 'json') return "'{}'";
  if (c.dataType === 'uuid') return 'UUID()';
  if (c.dataType === 'inet4') return "'127.0.0.1'";
  if (c.dataType === 'inet6') return "'::1'";
  if (c.dataType === 'enum' || c.dataType === 'set') {
    const first = /^(?:enum|set)\('((?:[^']|'')*)'/.exec(c.columnType);
    if (first) {
      const value = first[1]!.replace(/''/g, "'");
      return () => value;
    }
  }
  return null;
}

/** The workload of `--write-sql` with `--write-params` generator names (default: `seq` for every placeholder). */
export function customWrite(sql: string, paramNames: readonly string[] | undefined): WriteTarget {
  const placeholders = splitStatements(sql.replace(/;\s*$/, ''))[0]?.sql.split('').reduce(
    (state, ch) => {
      if (state.quote) {
        if (ch === state.quote) state.quote = '';
      } else if (ch === "'" || ch === '"' || ch === '`') state.quote = ch;
      else if (ch === '?') state.count++;
      return state;
    },
    { quote: '', count: 0 },
  ).count ?? 0;
  const names = paramNames ?? Array.from({ length: placeholders }, () => 'seq');
  if (names.length !== placeholders) throw new Error(`--write-sql has ${placeholders} placeholder(s) but --write-params names ${names.length} generator(s)`);
  const params = names.map((name) => {
    const generator = WRITE_GENERATORS[name];
    if (!generator) throw new Error(`--write-params: unknown generator ${JSON.stringify(name)} (known: ${Object.keys(WRITE_GENERATORS).join(', ')})`);
    return generator.make;
  });
  return { sql, params, describe: `--write-sql (${names.join(', ') || 'no parameters'}); rows kept` };
}

/** Runs the write workload for `seconds` from `connections` connections; counts affected rows. */
export async function measureWrites(options: ConnectionOptions, target: WriteTarget, seconds: number, connections: number): Promise<WriteMeasure> {
  const opened = await Promise.allSettled(Array.from({ length: connections }, () => mysqlPromise.createConnection(driverOptions(options))));
  const clients = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (refused) {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    throw new Error(`write workload: cannot connect: ${refused.reason instanceof Error ? refused.reason.message : String(refused.reason)}`);
  }
  let rows = 0;
  let errors = 0;
  let firstError: string | undefined;
  let seq = Math.floor(Date.now() / 1000) * 1000;
  const insertedIds: number[] = [];
  const started = process.hrtime.bigint();
  const startedMs = Date.now();
  const deadline = startedMs + seconds * 1000;
  const perSecond: number[] = [];
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (Date.now() < deadline) {
          try {
            const [result] = await client.query(target.sql, target.params.map((make) => make(seq++)));
            const header = result as { affectedRows?: number; insertId?: number };
            rows += header.affectedRows ?? 0;
            const second = Math.floor((Date.now() - startedMs) / 1000);
            perSecond[second] = (perSecond[second] ?? 0) + (header.affectedRows ?? 0);
            if (target.cleanup && header.insertId) insertedIds.push(header.insertId);
          } catch (error) {
            errors++;
            firstError ??= error instanceof Error ? error.message : String(error);
            if (errors >= 20 && rows === 0) break;
          }
        }
      }),
    );
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    if (target.cleanup) {
      const [first] = clients;
      for (let k = 0; k < insertedIds.length; k += 1000) {
        await first!.query(`DELETE FROM ${target.cleanup.table} WHERE ${quoteIdent(target.cleanup.column)} IN (?)`, [insertedIds.slice(k, k + 1000)]);
      }
    }
    const whole = Array.from({ length: Math.floor(elapsed) }, (_, k) => perSecond[k] ?? 0);
    return { rows, seconds: elapsed, rowsPerSec: rows / elapsed, perSecond: whole, errors, connections, ...(firstError ? { firstError } : {}) };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

// --- applying with progress -------------------------------------------------------------------

export interface AlterProgress {
  index: string;
  table: string;
  seconds: number;
  stage?: number;
  maxStage?: number;
  progressPct?: number;
  state: string;
}

/** Whether information_schema.PROCESSLIST has MariaDB's STAGE/MAX_STAGE/PROGRESS columns. */
async function hasProgressColumns(connection: PromiseConnection): Promise<boolean> {
  const rows = await select<{ n: number }>(
    connection,
    `SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'PROCESSLIST' AND COLUMN_NAME IN ('STAGE', 'MAX_STAGE', 'PROGRESS')`,
  );
  return Number(rows[0]?.n ?? 0) === 3;
}

/**
 * Runs `sql` on `worker` while `monitor` reads the worker's PROCESSLIST row every `everyMs`
 * (STAGE/MAX_STAGE/PROGRESS on MariaDB, TIME/STATE elsewhere) and hands it to `onProgress`.
 */
export async function runWithProgress(
  worker: PromiseConnection,
  monitor: PromiseConnection,
  sql: string,
  label: { index: string; table: string },
  onProgress: (p: AlterProgress) => void,
  everyMs = 1000,
): Promise<number> {
  const mariaProgress = await hasProgressColumns(monitor);
  const id = worker.threadId;
  const started = Date.now();
  let running = true;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const poll = async (): Promise<void> => {
    while (running) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, everyMs);
      });
      if (!running) break;
      const rows = await select<Row>(
        monitor,
        mariaProgress
          ? 'SELECT STAGE AS stage, MAX_STAGE AS maxStage, PROGRESS AS progress, STATE AS state FROM information_schema.PROCESSLIST WHERE ID = ?'
          : 'SELECT STATE AS state FROM information_schema.PROCESSLIST WHERE ID = ?',
        [id],
      ).catch(() => []);
      const row = rows[0];
      if (!row || !running) continue;
      onProgress({
        ...label,
        seconds: (Date.now() - started) / 1000,
        state: String(row.state ?? ''),
        ...(mariaProgress ? { stage: Number(row.stage), maxStage: Number(row.maxStage), progressPct: Number(row.progress) } : {}),
      });
    }
  };
  const polling = poll();
  try {
    await worker.query(sql);
  } finally {
    running = false;
    clearTimeout(timer);
    wake?.();
    await polling;
  }
  return (Date.now() - started) / 1000;
}

export function formatProgress(p: AlterProgress): string {
  const stage = p.stage !== undefined && p.maxStage ? `stage ${p.stage}/${p.maxStage}, ${(p.progressPct ?? 0).toFixed(1)} %, ` : '';
  return `  adding ${p.index} on ${p.table}: ${stage}${p.seconds.toFixed(1)} s${p.state ? `, ${p.state}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// The whole procedure
// ---------------------------------------------------------------------------------------------

export interface IndexCheckOptions {
  connection: ConnectionOptions;
  plan: Plan;
  /** null: derive one query per planned index. */
  queries: PlannedQuery[] | null;
  apply: boolean;
  rollback: boolean;
  repeat: number;
  writeSeconds: number;
  writeConnections: number;
  writeSql?: string;
  writeParams?: string[];
  /** Report lines (stdout). */
  out: (line: string) => void;
  /** Progress lines (stderr). */
  progress: (line: string) => void;
}

export interface AppliedIndex {
  index: string;
  table: string;
  seconds: number;
  error?: string;
}

export interface IndexCheckReport {
  mode: 'check' | 'apply' | 'trial' | 'rollback';
  before?: Measurement;
  after?: Measurement;
  applied: AppliedIndex[];
  dropped: string[];
  rollbackStatements: string[];
  acceptance?: Acceptance;
  writeWorkload?: string;
}

export async function runIndexCheck(o: IndexCheckOptions): Promise<IndexCheckReport> {
  const mode: IndexCheckReport['mode'] = o.apply ? (o.rollback ? 'trial' : 'apply') : o.rollback ? 'rollback' : 'check';
  const control = await connectControl(o.connection);
  const report: IndexCheckReport = { mode, applied: [], dropped: [], rollbackStatements: rollbackStatements(o.plan) };
  try {
    // The query cache would answer repeated timings from memory: off for this session where it exists.
    await control.query('SET SESSION query_cache_type = OFF').catch(() => undefined);
    if (mode === 'rollback') {
      o.out('rollback:');
      report.dropped = await dropIndexes(control, o.plan.indexes, o.connection.database, o);
      return report;
    }
    const tables = await missingTables(control, o.plan.indexes, o.connection.database);
    if (tables.length) throw new Error(`the plan names table(s) that do not exist: ${tables.join(', ')}`);

    const first = o.plan.indexes[0]!;
    const writeTarget =
      o.writeSeconds <= 0 ? null : o.writeSql ? customWrite(o.writeSql, o.writeParams) : await generatedInsert(control, first.schema ?? o.connection.database, first.table);
    if (writeTarget) report.writeWorkload = writeTarget.describe;
    const queries = o.queries ?? (await deriveQueries(control, o.plan.indexes, o.connection.database));

    o.out(o.apply ? 'before:' : 'current state:');
    report.before = await measure(control, o, queries, writeTarget);
    if (o.apply) {
      const monitor = await connectControl(o.connection);
      try {
        o.out('apply:');
        for (const status of report.before.indexes) {
          const label = { index: status.index.name, table: status.index.table };
          if (status.state === 'present') {
            o.out(`  ${status.index.name} on ${status.index.table}: already present, skipped`);
            continue;
          }
          if (status.state === 'different') {
            const error = `an index of that name exists with columns (${status.actual?.join(', ')}): drop or rename it first`;
            report.applied.push({ ...label, seconds: 0, error });
            o.out(`  ${status.index.name} on ${status.index.table}: NOT applied, ${error}`);
            continue;
          }
          const sql = addStatement(status.index);
          o.out(`  ${sql}`);
          try {
            const seconds = await runWithProgress(control, monitor, sql, label, (p) => o.progress(formatProgress(p)));
            report.applied.push({ ...label, seconds });
            o.out(`    done in ${seconds.toFixed(2)} s`);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            report.applied.push({ ...label, seconds: 0, error: message });
            o.out(`    FAILED: ${message}`);
          }
        }
      } finally {
        await monitor.end().catch(() => undefined);
      }
      o.out('after:');
      report.after = await measure(control, o, queries, writeTarget);
    }
    report.acceptance = acceptance(report.before, report.after ?? null);
    o.out('acceptance (operations guide, TODO-01):');
    for (const line of formatAcceptance(report.acceptance)) o.out(line);
    if (mode === 'trial') {
      const created = new Set(report.applied.filter((a) => !a.error).map((a) => `${a.table}\u0000${a.index}`));
      o.out('rollback (indexes this run added):');
      report.dropped = await dropIndexes(
        control,
        o.plan.indexes.filter((i) => created.has(`${i.table}\u0000${i.name}`)),
        o.connection.database,
        o,
      );
    }
    return report;
  } finally {
    await control.end().catch(() => undefined);
  }
}

async function measure(control: PromiseConnection, o: IndexCheckOptions, queries: PlannedQuery[], writeTarget: WriteTarget | null): Promise<Measurement> {
  const indexes = await indexStatuses(control, o.plan.indexes, o.connection.database);
  const missing = indexes.filter((s) => s.state !== 'present').length;
  o.out(`  planned indexes: ${indexes.length}, present ${indexes.length - missing}, missing ${missing}`);
  for (const s of indexes) {
    if (s.state !== 'present') o.out(`    ${s.state === 'missing' ? 'missing  ' : 'DIFFERENT'} ${s.index.table}.${s.index.name} (${s.index.columns.map((c) => c.name).join(', ')})${s.actual ? ` has (${s.actual.join(', ')})` : ''}`);
  }
  const measures: QueryMeasure[] = [];
  for (const [k, query] of queries.entries()) {
    const check = checkExplain(await explain(control, query.sql), query.expect);
    const timing = await timeQuery(control, query.sql, o.repeat);
    measures.push({ query, explain: check, ...timing });
    const label = query.expect ? `expect ${query.expect}` : query.derivedFor ? `derived for ${query.derivedFor}` : 'any index';
    o.out(`  q${k + 1} [${label}] median ${timing.medianMs.toFixed(3)} ms, p95 ${timing.p95Ms.toFixed(3)} ms; EXPLAIN ${check.access} → ${check.ok ? 'OK' : 'NOT OK'}: ${check.reason}`);
    o.out(`      ${shorten(query.sql)}`);
  }
  let writes: WriteMeasure | null = null;
  if (writeTarget) {
    writes = await measureWrites(o.connection, writeTarget, o.writeSeconds, o.writeConnections);
    const spread = writes.perSecond.length > 1 ? ` (per second ${Math.min(...writes.perSecond)}–${Math.max(...writes.perSecond)})` : '';
    o.out(
      `  writes: ${writes.rows} rows in ${writes.seconds.toFixed(1)} s from ${writes.connections} connections = ${writes.rowsPerSec.toFixed(0)} rows/s${spread}` +
        `${writes.errors ? `, ${writes.errors} errors (first: ${writes.firstError})` : ''}`,
    );
  }
  return { indexes, missing, queries: measures, writes };
}

async function missingTables(control: PromiseConnection, indexes: readonly PlannedIndex[], defaultSchema: string): Promise<string[]> {
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const index of indexes) {
    const schema = index.schema ?? defaultSchema;
    const key = `${schema}.${index.table}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const rows = await select(control, 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [schema, index.table]);
    if (rows.length === 0) missing.push(key);
  }
  return missing;
}

/** Drops the given planned indexes that exist (by name); returns the statements run. */
async function dropIndexes(control: PromiseConnection, indexes: readonly PlannedIndex[], defaultSchema: string, o: Pick<IndexCheckOptions, 'out'>): Promise<string[]> {
  const statuses = await indexStatuses(control, indexes, defaultSchema);
  const dropped: string[] = [];
  for (const status of statuses) {
    if (status.state === 'missing') {
      o.out(`  ${status.index.table}.${status.index.name}: not present, nothing to drop`);
      continue;
    }
    const sql = dropStatement({ ...status.index, schema: status.schema });
    await control.query(sql);
    dropped.push(sql);
    o.out(`  ${sql}`);
  }
  return dropped;
}

function randomString(length: number): string {
  return randomBytes(Math.ceil(length / 2) + 1).toString('hex').slice(0, Math.max(length, 0));
}
