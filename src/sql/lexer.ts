/**
 * The one SQL lexer: every reader of SQL text (statement splitting, the parsers' tokens, statement
 * normalising, comment stripping) cuts text into tokens here, so quotes, escapes and comments follow
 * one set of rules. Lossless: the tokens' `text` joined give the input back. Pure: text in, tokens out.
 *
 * Rules, as MySQL and MariaDB read them:
 * - `'…'` and `"…"` are strings, `` `…` `` a quoted identifier; a doubled quote stands for itself,
 *   and a backslash escapes the next character in strings only. An unclosed quote runs to the end
 *   (InnoDB cuts long statements anywhere).
 * - `/* … *\/` is a comment (unclosed: to the end); so are `#` and `-- ` (two dashes then whitespace
 *   or the end) up to the end of the line.
 * - A word is a run of letters, digits, `_` and `$`; a number is a word too (`1.5` is three tokens),
 *   which is what the parsers expect; normalizeStatement reads literals from the words.
 */

export type SqlTokenKind = 'space' | 'comment' | 'quoted' | 'string' | 'word' | 'punct';

export interface SqlToken {
  kind: SqlTokenKind;
  /** The token as written. */
  text: string;
  /** Strings and quoted identifiers: the content, quotes removed and escapes resolved; comments: the text inside the markers; otherwise `text`. */
  value: string;
  start: number;
  end: number;
}

const WORD_CHAR = /[\p{L}\p{N}_$]/u;
const SPACE = /\s/;

export function lex(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let at = 0;
  while (at < sql.length) {
    const token = tokenAt(sql, at);
    tokens.push(token);
    at = token.end;
  }
  return tokens;
}

function tokenAt(sql: string, at: number): SqlToken {
  const c = sql[at]!;
  if (SPACE.test(c)) return run(sql, at, 'space', (ch) => SPACE.test(ch));
  if (WORD_CHAR.test(c)) return run(sql, at, 'word', (ch) => WORD_CHAR.test(ch));
  if (c === "'" || c === '"' || c === '`') return quotedAt(sql, at, c);
  if (c === '#' || (c === '-' && sql[at + 1] === '-' && SPACE.test(sql[at + 2] ?? ' '))) return lineCommentAt(sql, at, c === '#' ? 1 : 2);
  if (c === '/' && sql[at + 1] === '*') return blockCommentAt(sql, at);
  return { kind: 'punct', text: c, value: c, start: at, end: at + 1 };
}

function run(sql: string, start: number, kind: 'space' | 'word', takes: (ch: string) => boolean): SqlToken {
  let end = start + 1;
  while (end < sql.length && takes(sql[end]!)) end++;
  const text = sql.slice(start, end);
  return { kind, text, value: text, start, end };
}

function quotedAt(sql: string, start: number, quote: string): SqlToken {
  let at = start + 1;
  let value = '';
  while (at < sql.length) {
    const c = sql[at]!;
    if (c === '\\' && quote !== '`') {
      value += sql[at + 1] ?? '';
      at += 2;
      continue;
    }
    if (c === quote) {
      if (sql[at + 1] !== quote) break;
      value += quote;
      at += 2;
      continue;
    }
    value += c;
    at++;
  }
  const end = Math.min(at + 1, sql.length);
  return { kind: quote === '`' ? 'quoted' : 'string', text: sql.slice(start, end), value, start, end };
}

function lineCommentAt(sql: string, start: number, markerLength: number): SqlToken {
  const newline = sql.indexOf('\n', start);
  const end = newline === -1 ? sql.length : newline;
  return { kind: 'comment', text: sql.slice(start, end), value: sql.slice(start + markerLength, end), start, end };
}

function blockCommentAt(sql: string, start: number): SqlToken {
  const close = sql.indexOf('*/', start + 2);
  const end = close === -1 ? sql.length : close + 2;
  return { kind: 'comment', text: sql.slice(start, end), value: sql.slice(start + 2, close === -1 ? sql.length : close), start, end };
}
