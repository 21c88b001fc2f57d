/**
 * Just enough SQL reading for RunSQL rules: split a script into statements and give each a
 * comment-free, literal-masked, upper-cased form to match keywords against. Hand-written because
 * none of our dependencies parses SQL, and the rules only need statement boundaries and keywords
 * (not a syntax tree) across PostgreSQL and MySQL dialects.
 */
import type { Operation, SqlItem } from '../../types.js';

export interface SqlStatement {
  /** The statement as written (comments kept), without the trailing `;`. */
  text: string;
  /**
   * Upper-cased, comments removed, string and quoted-identifier contents emptied (`'x'` → `''`,
   * dollar-quoted bodies → `$$`), whitespace collapsed to single spaces. Safe for keyword regexes.
   */
  masked: string;
  /** The statement with comments replaced by a space, case and literals kept, trimmed. */
  code: string;
  /** 0-based line offset of the statement's first token inside the SQL text. */
  lineOffset: number;
}

/** Characters that never start a quote, comment, dollar quote, newline or statement end (sticky: matches at lastIndex). */
const ORDINARY_RUN = /[^\n'"`;$\-/]*/y;

/** The statements read so far and the one being read, in its three renderings. */
class StatementBuffer {
  readonly statements: SqlStatement[] = [];
  /** Current 0-based line in the SQL text. */
  line = 0;
  private raw = '';
  private masked = '';
  private code = '';
  private startLine = -1;

  add(raw: string, masked: string, code: string): void {
    this.raw += raw;
    this.masked += masked;
    this.code += code;
  }

  /** The current statement starts here unless it already started. */
  markStart(): void {
    if (this.startLine < 0) this.startLine = this.line;
  }

  /** End the current statement (at `;` or the end of the text); empty ones are dropped. */
  flush(): void {
    const maskedText = this.masked.replace(/\s+/g, ' ').trim().toUpperCase();
    if (maskedText.length > 0) this.statements.push({ text: this.raw.trim(), masked: maskedText, code: this.code.trim(), lineOffset: this.startLine < 0 ? this.line : this.startLine });
    this.raw = '';
    this.masked = '';
    this.code = '';
    this.startLine = -1;
  }
}

function countNewlines(sql: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) if (sql[k] === '\n') count++;
  return count;
}

/** End (exclusive) of the block comment opening at `start`, nested as PostgreSQL allows; the text's end when unclosed. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 1;
  let j = start + 2;
  while (j < sql.length && depth > 0) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth--;
      j += 2;
    } else {
      j++;
    }
  }
  return j;
}

/** The closing quote of the literal or quoted identifier opening at `start` (the text's length when unclosed), and the line breaks read. */
function closingQuote(sql: string, start: number): { close: number; newlines: number } {
  const quote = sql[start];
  let newlines = 0;
  let j = start + 1;
  while (j < sql.length) {
    if (sql[j] === '\\' && quote === "'" && sql[j + 1] !== undefined) {
      // MySQL and PostgreSQL E'' strings escape with a backslash.
      j += 2;
      continue;
    }
    if (sql[j] === quote) {
      if (sql[j + 1] === quote) {
        j += 2; // doubled quote inside the literal
        continue;
      }
      break;
    }
    if (sql[j] === '\n') newlines++;
    j++;
  }
  return { close: j, newlines };
}

/** Reads the token at `i` into the buffer (ending the statement at `;`) and returns where the next one starts. */
function readToken(sql: string, i: number, out: StatementBuffer): number {
  const ch = sql[i]!;
  const next = sql[i + 1];
  if (ch === '\n') {
    out.line++;
    out.add(ch, ' ', ch);
    return i + 1;
  }
  if (ch === '-' && next === '-') {
    const end = sql.indexOf('\n', i);
    const stop = end === -1 ? sql.length : end;
    out.add(sql.slice(i, stop), ' ', ' ');
    return stop;
  }
  if (ch === '/' && next === '*') {
    const stop = blockCommentEnd(sql, i);
    out.line += countNewlines(sql, i, stop);
    out.add(sql.slice(i, stop), ' ', ' ');
    return stop;
  }
  if (ch === "'" || ch === '"' || ch === '`') {
    out.markStart();
    const { close, newlines } = closingQuote(sql, i);
    out.line += newlines;
    const literal = sql.slice(i, close + 1);
    out.add(literal, `${ch}${ch}`, literal);
    return close + 1;
  }
  if (ch === '$') {
    const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
    if (tag) {
      out.markStart();
      const close = sql.indexOf(tag[0], i + tag[0].length);
      const stop = close === -1 ? sql.length : close + tag[0].length;
      out.line += countNewlines(sql, i, stop);
      const body = sql.slice(i, stop);
      out.add(body, ' $$ ', body);
      return stop;
    }
  }
  if (ch === ';') {
    out.flush();
    return i + 1;
  }
  // Copy a run of ordinary characters at once (one character at a time made long SQL slow to split).
  ORDINARY_RUN.lastIndex = i + 1;
  ORDINARY_RUN.test(sql);
  const stop = ORDINARY_RUN.lastIndex;
  const chunk = sql.slice(i, stop);
  if (/\S/.test(chunk)) out.markStart();
  out.add(chunk, chunk, chunk);
  return stop;
}

/**
 * Split on `;` outside quotes ('…', "…", `…`), dollar quotes ($tag$…$tag$), line comments (-- …)
 * and block comments (nested, as PostgreSQL allows). Empty statements are dropped.
 */
export function splitSqlStatements(sql: string): SqlStatement[] {
  const out = new StatementBuffer();
  let i = 0;
  while (i < sql.length) i = readToken(sql, i, out);
  out.flush();
  return out.statements;
}

/** An SQL statement located in a migration file. */
export interface LocatedStatement extends SqlStatement {
  /** 1-based line in the migration file. */
  line: number;
  item: SqlItem;
}

/**
 * Each SQL item split once per analysis, not once per rule: many rules read the
 * statements of every RunSQL. Keyed weakly by the parsed item, which nothing mutates.
 */
const splitCache = new WeakMap<SqlItem, readonly SqlStatement[]>();

/** The statements of one `sql` item (its text split as `splitSqlStatements` does), memoised per item. */
export function itemStatements(item: SqlItem): readonly SqlStatement[] {
  let statements = splitCache.get(item);
  if (!statements) {
    statements = splitSqlStatements(item.text);
    splitCache.set(item, statements);
  }
  return statements;
}

/** Located statements per operation: a RunSQL is read by many rules (shared, so callers must not mutate). */
const locatedCache = new WeakMap<Operation, readonly LocatedStatement[]>();
const NO_STATEMENTS: readonly LocatedStatement[] = [];

/** Statements of the forward `sql` of a RunSQL operation, with file lines; dynamic items are skipped. */
export function forwardStatements(op: Operation): readonly LocatedStatement[] {
  if (!op.sql || op.sql.length === 0) return NO_STATEMENTS;
  let located = locatedCache.get(op);
  if (!located) {
    const built: LocatedStatement[] = [];
    for (const item of op.sql) {
      if (item.dynamic) continue;
      for (const statement of itemStatements(item)) {
        built.push({ ...statement, line: item.line + statement.lineOffset, item });
      }
    }
    located = built;
    locatedCache.set(op, located);
  }
  return located;
}

/** Identifier as written → bare lower-case name without schema or quotes: `"public"."Shop_Order"` → `shop_order`. */
export function bareIdentifier(identifier: string): string {
  const last = identifier.split('.').pop() ?? identifier;
  return last.replace(/["`[\]]/g, '').toLowerCase();
}

/**
 * The table an ALTER TABLE / CREATE INDEX / TRUNCATE / DROP TABLE statement targets, from the
 * original text (the masked form empties quoted identifiers). Undefined when it cannot be found.
 */
export function statementTable(statement: SqlStatement): string | undefined {
  const patterns = [
    /^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?([\w."`$]+)/i,
    /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:[\w"`$]+\s+)?ON\s+(?:ONLY\s+)?([\w."`$]+)/i,
    /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+.*?\bON\s+(?:ONLY\s+)?([\w."`$]+)/is,
    /^\s*CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w."`$]+)/i,
    /^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([\w."`$]+)/i,
    /^\s*TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?([\w."`$]+)/i,
  ];
  const text = stripLeadingComments(statement.text);
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match?.[1]) return bareIdentifier(match[1]);
  }
  return undefined;
}

function stripLeadingComments(text: string): string {
  let rest = text;
  for (;;) {
    const trimmed = rest.replace(/^\s+/, '');
    if (trimmed.startsWith('--')) {
      const end = trimmed.indexOf('\n');
      rest = end === -1 ? '' : trimmed.slice(end + 1);
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      rest = end === -1 ? '' : trimmed.slice(end + 2);
    } else {
      return trimmed;
    }
  }
}

/** The statement shortened for a message: first line-ish, at most `max` characters, whitespace collapsed. */
export function excerpt(statement: SqlStatement, max = 80): string {
  const flat = stripLeadingComments(statement.text).replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Transaction-control statements: BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK (not ROLLBACK TO a savepoint). */
export function isTransactionControl(statement: SqlStatement): boolean {
  const s = statement.masked;
  if (/^BEGIN(\s+(WORK|TRANSACTION|ISOLATION\b.*|READ\b.*|DEFERRABLE\b.*|NOT\b.*))?$/.test(s)) return true;
  if (/^START TRANSACTION\b/.test(s)) return true;
  if (/^(COMMIT|END)(\s+(WORK|TRANSACTION|AND\b.*))?$/.test(s)) return true;
  if (/^COMMIT PREPARED\b/.test(s)) return true;
  if (/^ROLLBACK(\s+(WORK|TRANSACTION))?(\s+AND\b.*)?$/.test(s)) return true;
  return false;
}
