/**
 * SQL text handling shared by the plan and queries files and the EXPLAIN audit: splitting a file
 * into statements (with the comments before each and the line it starts on), tokens and a cursor
 * over them, placeholders, and what a statement does by its first keyword. Pure: text in, values out.
 */
import { lex } from './lexer.js';

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
  for (const token of lex(text)) {
    if (token.kind === 'comment') {
      comments.push(token.value.trim());
      current += ' ';
    } else if (token.kind === 'punct' && token.value === ';') {
      const sql = current.trim();
      if (sql) statements.push({ sql, comments, line: startLine || line });
      if (sql) comments = [];
      current = '';
      startLine = 0;
    } else {
      // A statement starts on the line of its first token, not of the blank lines before it.
      if (!startLine && token.kind !== 'space') startLine = line;
      current += token.text;
    }
    line += newlines(token.text);
  }
  const sql = current.trim();
  if (sql) statements.push({ sql, comments, line: startLine || line });
  return statements;
}

function newlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

export interface Token {
  kind: 'word' | 'quoted' | 'string' | 'punct';
  /** Identifier or string value (unquoted), or the punctuation character. */
  value: string;
  start: number;
  end: number;
}

/** The tokens a parser reads: whitespace and comments left out. */
export function tokenize(sql: string): Token[] {
  return lex(sql).flatMap(({ kind, value, start, end }) => (kind === 'space' || kind === 'comment' ? [] : [{ kind, value, start, end }]));
}

/** A statement the parser could not read; the message says what was expected and quotes the text near it. */
export class SqlSyntaxError extends Error {}

/** Walks the tokens of one statement; the `expect…` methods throw SqlSyntaxError quoting the text near the failure. */
export class TokenCursor {
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
    if (!token) throw new SqlSyntaxError('unexpected end of statement');
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
    if (!this.acceptWord(word)) throw new SqlSyntaxError(`expected ${word} ${this.near()}`);
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
    if (!this.isPunct(p)) throw new SqlSyntaxError(`expected "${p}" ${this.near()}`);
    return this.next();
  }

  identifier(what: string): string {
    const token = this.peek();
    if (!token || (token.kind !== 'word' && token.kind !== 'quoted')) throw new SqlSyntaxError(`expected ${what} ${this.near()}`);
    this.i++;
    return token.value;
  }

  near(): string {
    const token = this.peek();
    return token ? `near "${this.sql.slice(token.start, token.start + 30)}"` : 'at the end';
  }
}

/** One line of at most 80 characters, for messages that quote a statement. */
export function shorten(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}

/** MySQL compares index and column names case-insensitively. */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The `?` placeholders of a statement, those inside quotes and comments not counted. */
export function countPlaceholders(sql: string): number {
  return lex(sql).filter((t) => t.kind === 'punct' && t.value === '?').length;
}

/** The text with each comment replaced by a space. */
export function stripComments(sql: string): string {
  return lex(sql)
    .map((token) => (token.kind === 'comment' ? ' ' : token.text))
    .join('');
}

export type StatementKind = 'read' | 'write' | 'other';

/** What a statement does, by its first keyword: reads (SELECT, WITH … SELECT), writes, or other. */
export function statementKind(sql: string): StatementKind {
  const text = stripComments(sql).replace(/^[\s(]+/, '');
  const word = /^[A-Za-z]+/.exec(text)?.[0]?.toUpperCase() ?? '';
  if (word === 'SELECT' || word === 'TABLE' || word === 'VALUES') return 'read';
  if (word === 'WITH') return /\b(INSERT|REPLACE|UPDATE|DELETE)\b/i.test(text) ? 'write' : 'read';
  if (word === 'INSERT' || word === 'REPLACE' || word === 'UPDATE' || word === 'DELETE') return 'write';
  return 'other';
}

/** Identifiers a statement names (backquoted or bare words), lower-cased; literals left out. */
export function identifiersOf(sql: string): Set<string> {
  const names = lex(sql).filter((token) => token.kind === 'word' || (token.kind === 'quoted' && token.value !== ''));
  return new Set(names.map((token) => token.value.toLowerCase()));
}
