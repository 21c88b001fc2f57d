/** What a SQL statement does: data, session, schema or shape changes, CONCURRENTLY builds, guards that make it re-runnable. */
import type { Operation } from '../../types.js';
import type { SqlStatement } from './sql.js';
import { isTransactionControl, itemStatements } from './sql.js';

/** Statement code per RunSQL: many locking and hygiene rules ask for it (shared, so callers must not mutate). */
const codeCache = new WeakMap<Operation, readonly string[]>();

const NO_CODE: readonly string[] = [];

/**
 * Statements of a RunSQL's forward `sql` (every item, dynamic ones included, as their source
 * text counts as work the migration does), comments removed, case and literals kept.
 */
export function forwardStatementCode(op: Operation): readonly string[] {
  if (op.type !== 'RunSQL' || !op.sql || op.sql.length === 0) return NO_CODE;
  let code = codeCache.get(op);
  if (!code) {
    code = op.sql.flatMap((item) => itemStatements(item).map((statement) => statement.code));
    codeCache.set(op, code);
  }
  return code;
}

/** Statements PostgreSQL refuses inside a transaction block because of CONCURRENTLY. */
const CONCURRENT_STATEMENT = /^\s*(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|REINDEX\b[\s\S]*\bCONCURRENTLY\b|ALTER\s+TABLE\b[\s\S]*\bDETACH\s+PARTITION\b[\s\S]*\bCONCURRENTLY\b)/i;

/** Concurrent statements that build an index (what the PostgreSQL 14.0–14.3 bug corrupts). */
const CONCURRENT_BUILD = /^\s*(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|REINDEX\b[\s\S]*\bCONCURRENTLY\b)/i;

export function isConcurrentStatement(statement: string): boolean {
  return CONCURRENT_STATEMENT.test(statement);
}

export function isConcurrentBuildStatement(statement: string): boolean {
  return CONCURRENT_BUILD.test(statement);
}

/** The first few words of a statement, for messages. */
export function firstWords(statement: string, count = 6): string {
  const words = statement.replace(/\s+/g, ' ').trim().split(' ');
  return words.length > count ? `${words.slice(0, count).join(' ')} …` : words.join(' ');
}

/** A statement that can run twice without failing: guarded by IF [NOT] EXISTS, or a DO block (guarded inside). */
export function isRerunnableStatement(statement: string): boolean {
  if (/^\s*DO\b/i.test(statement)) return true;
  return /\bIF\s+(?:NOT\s+)?EXISTS\b/i.test(statement);
}

/** Statements that read or write rows, never the schema. */
export function isDataStatement(statement: SqlStatement): boolean {
  return /^(INSERT|UPDATE|DELETE|SELECT|WITH|MERGE|REPLACE|COPY|VALUES)\b/.test(statement.masked);
}

/** Session settings (`SET lock_timeout …`, `RESET …`, `SHOW …`): no effect on tables. */
export function isSessionStatement(statement: SqlStatement): boolean {
  return /^(SET|RESET|SHOW)\b/.test(statement.masked);
}

/** Anything that is not data, session or transaction control: DDL, grants, maintenance. */
export function isSchemaStatement(statement: SqlStatement): boolean {
  return !isDataStatement(statement) && !isSessionStatement(statement) && !isTransactionControl(statement);
}

/**
 * Tables created, dropped or renamed, columns added, dropped, renamed or retyped: DDL that a
 * model's state describes, not counting nullability (see `changesTableShape`).
 */
export function changesTablesOrColumns(statement: SqlStatement): boolean {
  const s = statement.masked;
  if (/^CREATE (GLOBAL |LOCAL )?(TEMP|TEMPORARY) TABLE\b/.test(s)) return false;
  if (/^(CREATE (UNLOGGED )?TABLE|DROP TABLE|RENAME TABLE)\b/.test(s)) return true;
  if (!/^ALTER TABLE\b/.test(s)) return false;
  return (
    /\bADD (COLUMN )?(IF NOT EXISTS )?(?!CONSTRAINT\b|INDEX\b|KEY\b|UNIQUE\b|PRIMARY\b|FOREIGN\b|CHECK\b|FULLTEXT\b|SPATIAL\b|PARTITION\b)[^ ,]+ [A-Z]/.test(s) ||
    /\bDROP COLUMN\b/.test(s) ||
    /\bRENAME (COLUMN |TO )?/.test(s) ||
    /\bALTER (COLUMN )?[^ ]+ (SET DATA )?TYPE\b/.test(s) ||
    /\b(MODIFY|CHANGE) /.test(s)
  );
}

/** Table- or column-level DDL: what a model's state describes (not indexes, triggers or functions), nullability included. */
export function changesTableShape(statement: SqlStatement): boolean {
  if (changesTablesOrColumns(statement)) return true;
  const s = statement.masked;
  return /^ALTER TABLE\b/.test(s) && /\bALTER (COLUMN )?[^ ]+ (SET|DROP) NOT NULL\b/.test(s);
}
