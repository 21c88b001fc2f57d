/** What an operation does to the database: nothing, data or schema; concurrent index work; whether a re-run is safe. */
import type { MigrationFile, Operation } from '../../types.js';
import { runPythonCallables, withHelpers } from './runpython.js';
import { forwardStatements } from './sql.js';
import { firstWords, forwardStatementCode, isConcurrentBuildStatement, isConcurrentStatement, isRerunnableStatement, isSchemaStatement } from './statements.js';

/** A short description of a concurrent index operation, or undefined when the op is not one. */
export function concurrentOperation(op: Operation): string | undefined {
  if (op.type === 'AddIndexConcurrently' || op.type === 'RemoveIndexConcurrently') return op.type;
  const statement = forwardStatementCode(op).find(isConcurrentStatement);
  if (statement) return `RunSQL \`${firstWords(statement)}\``;
  return undefined;
}

/** A short description of an operation that builds an index CONCURRENTLY, or undefined. */
export function concurrentBuild(op: Operation): string | undefined {
  if (op.type === 'AddIndexConcurrently') return 'AddIndexConcurrently';
  const statement = forwardStatementCode(op).find(isConcurrentBuildStatement);
  if (statement) return `RunSQL \`${firstWords(statement)}\``;
  return undefined;
}

/**
 * True when running the operation again after a partial failure cannot fail on what the first
 * run left behind. Django's RemoveIndexConcurrently uses `DROP INDEX CONCURRENTLY IF EXISTS`;
 * AddIndexConcurrently has no IF NOT EXISTS, and other operations are not re-runnable.
 */
export function isRerunnable(op: Operation): boolean {
  if (op.type === 'RemoveIndexConcurrently') return true;
  if (op.type === 'RunSQL') return forwardStatementCode(op).every(isRerunnableStatement);
  return false;
}

/** True when the operation does nothing in the database (RunSQL.noop, RunPython.noop, empty lists). */
export function isDatabaseNoop(op: Operation): boolean {
  if (op.type === 'RunSQL') return forwardStatementCode(op).length === 0;
  if (op.type === 'RunPython') return op.code?.kind === 'noop';
  if (op.type === 'SeparateDatabaseAndState') return true; // its children are visited on their own
  return false;
}

/** Operations that only change Django's state (no SQL at all). */
const STATE_ONLY_TYPES = new Set(['AlterModelOptions', 'AlterModelManagers']);

export type DatabaseEffect = 'none' | 'data' | 'schema' | 'unknown';

/**
 * What an operation does to the database when it runs: nothing (no-ops, state-only operations,
 * SeparateDatabaseAndState itself, whose children are visited on their own), data only (RunPython
 * without schema_editor, RunSQL with DML only), schema changes, or unknown (custom operations,
 * dynamic SQL, callables defined elsewhere).
 */
export function databaseEffect(op: Operation, file: MigrationFile): DatabaseEffect {
  if (op.type === 'SeparateDatabaseAndState' || STATE_ONLY_TYPES.has(op.type)) return 'none';
  if (op.type === 'RunPython') {
    if (op.code?.kind === 'noop') return 'none';
    const callables = runPythonCallables(op, file).filter((callable) => callable.slot === 'code');
    const fn = callables[0]?.fn;
    if (!fn) return 'unknown';
    return withHelpers(fn, file).some((info) => info.usesSchemaEditor) ? 'schema' : 'data';
  }
  if (op.type === 'RunSQL') {
    if ((op.sql ?? []).some((item) => item.dynamic)) return 'unknown';
    const statements = forwardStatements(op);
    if (statements.length === 0) return 'none';
    return statements.some(isSchemaStatement) ? 'schema' : 'data';
  }
  return op.known ? 'schema' : 'unknown';
}
