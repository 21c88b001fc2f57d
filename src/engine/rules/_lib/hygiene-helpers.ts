/**
 * Helpers shared by the hygiene / best-practice rules: what kind of database effect an operation
 * has (none, data, schema), which SQL statements change a table's shape, where lambdas hide in a
 * value, and which columns an index declares.
 */
import type { MigrationFile, Operation, PyValue } from '../../types.js';
import { runPythonCallables, withHelpers } from './runpython.js';
import type { SqlStatement } from './sql.js';
import { forwardStatements, isTransactionControl } from './sql.js';
import { asItems, asString, lastSegment } from './values.js';

/** Every vendor, for rules that hold whatever the database. */
export const ALL_DATABASES = { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' } as const;

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

/** Every lambda inside a value (field kwargs nest: `validators=[...]`, `base_field=CharField(...)`). */
export function lambdasIn(value: PyValue, found: Array<Extract<PyValue, { kind: 'lambda' }>> = []): Array<Extract<PyValue, { kind: 'lambda' }>> {
  switch (value.kind) {
    case 'lambda':
      found.push(value);
      break;
    case 'call':
      for (const arg of value.args) lambdasIn(arg, found);
      // `for…in` with an own-key test: Object.values' order without building its array per call.
      for (const key in value.kwargs) if (Object.hasOwn(value.kwargs, key)) lambdasIn(value.kwargs[key]!, found);
      break;
    case 'list':
    case 'tuple':
    case 'set':
      for (const item of value.items) lambdasIn(item, found);
      break;
    case 'dict':
      for (const entry of value.entries) {
        lambdasIn(entry.key, found);
        lambdasIn(entry.value, found);
      }
      break;
    case 'expr':
      // A lambda inside an unmodelled expression (`partial(lambda: 1)` is modelled; `x or (lambda: 1)` is not).
      if (/(^|[^\w.])lambda\b/.test(value.text)) found.push({ kind: 'lambda', text: value.text, params: [], line: value.line });
      break;
    default:
      break;
  }
  return found;
}

/** The key columns of a B-tree index value, or undefined when it is not a plain B-tree `Index` we can read. */
export interface IndexColumns {
  name: string;
  columns: string[];
  line: number;
}

/** Index classes whose columns form one B-tree key (GIN, GiST, BRIN and Bloom treat many columns differently). */
const BTREE_INDEX_CLASSES = new Set(['Index', 'BTreeIndex']);

export function btreeIndexColumns(value: PyValue | undefined, fallbackLine: number): IndexColumns | undefined {
  if (value?.kind !== 'call' || !BTREE_INDEX_CLASSES.has(lastSegment(value.callee))) return undefined;
  const columns: string[] = [];
  for (const item of asItems(value.kwargs['fields']) ?? []) {
    const name = asString(item);
    columns.push(name !== undefined ? name.replace(/^-/, '') : '<expression>');
  }
  // Positional arguments are expressions: `Index(Lower("email"), F("created"), name=...)`.
  for (const expression of value.args) columns.push(expression.kind === 'call' ? `${lastSegment(expression.callee)}(…)` : '<expression>');
  return { name: asString(value.kwargs['name']) ?? 'unnamed', columns, line: value.line || fallbackLine };
}
