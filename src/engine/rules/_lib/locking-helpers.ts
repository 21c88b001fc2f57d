/**
 * Helpers shared by the locking / index / constraint rules: what an AddField fills existing rows
 * with, how volatile a `db_default` is, what a constraint or index value declares, which RunSQL
 * statements are CONCURRENTLY builds, and what the field looked like before an AlterField.
 */
import type { Database, FieldDef, Operation, PyValue } from '../../types.js';
import type { MigrationRuleContext, OperationVisit } from '../types.js';
import { itemStatements } from './sql.js';
import { isForeignKey, isIndexed, isUnique } from './fields.js';
import { asBool, asItems, asString, describeValue, isTrue, lastSegment } from './values.js';

/** True when the field gets a unique index or constraint: `unique`, `primary_key`, or a OneToOneField. */
export function addsUniqueIndex(field: FieldDef): boolean {
  return isUnique(field) || field.type === 'OneToOneField';
}

/** True when the field gets a plain (non-unique) index: `db_index=True` or a FK left indexed. */
export function addsPlainIndex(field: FieldDef): boolean {
  return isIndexed(field) && !addsUniqueIndex(field);
}

/** Why a field is indexed, for messages. */
export function indexReason(field: FieldDef): string {
  if (isTrue(field, 'db_index')) return 'db_index=True';
  if (isForeignKey(field)) return `${field.type} columns are indexed by default`;
  return 'an index';
}

/** Field types whose MySQL column is TEXT/BLOB/JSON (no literal DEFAULT before MySQL 8.0.13 / MariaDB 10.2.1). */
const LIMITED_DEFAULT_TYPES = new Set(['TextField', 'BinaryField', 'JSONField']);

export function isTextOrBlobField(field: FieldDef): boolean {
  return LIMITED_DEFAULT_TYPES.has(field.type);
}

/** What every existing row receives when AddField adds the column, mirroring Django's `effective_default`. */
export interface ExistingRowFill {
  source: 'default' | 'db_default' | 'blank string' | 'auto_now';
  /** A short rendering of the value, for messages. */
  value: string;
  /** The raw value (absent for implicit fills such as `''`). */
  raw?: PyValue;
}

/**
 * The value AddField writes into existing rows, or undefined when they stay NULL. Python
 * defaults win over `db_default` for the fill (Django passes the effective default).
 */
export function existingRowFill(field: FieldDef): ExistingRowFill | undefined {
  const pyDefault = field.kwargs['default'];
  if (pyDefault !== undefined && pyDefault.kind !== 'none') return { source: 'default', value: describeValue(pyDefault), raw: pyDefault };
  const nullable = asBool(field.kwargs['null']) === true;
  // Django fills '' only for NOT NULL blank string fields; a nullable one stays NULL.
  if (!nullable && isTrue(field, 'blank') && STRING_FIELDS.has(field.type)) return { source: 'blank string', value: "''" };
  if (isTrue(field, 'auto_now') || isTrue(field, 'auto_now_add')) return { source: 'auto_now', value: 'the time of the migration' };
  const dbDefault = field.kwargs['db_default'];
  if (dbDefault !== undefined && dbDefault.kind !== 'none') return { source: 'db_default', value: describeValue(dbDefault), raw: dbDefault };
  return undefined;
}

const STRING_FIELDS = new Set(['CharField', 'TextField', 'SlugField', 'EmailField', 'URLField', 'FilePathField', 'FileField', 'ImageField', 'GenericIPAddressField', 'IPAddressField', 'CICharField', 'CIEmailField', 'CITextField', 'BinaryField']);

/** Database functions that give a different value per row (PostgreSQL marks them VOLATILE). */
const VOLATILE_FUNCTIONS = new Set(['RandomUUID', 'Random', 'UUID4', 'UUID7']);

/**
 * Django database functions and value wrappers whose SQL is IMMUTABLE or STABLE on PostgreSQL
 * (`Now()` is STATEMENT_TIMESTAMP(), stable), plus Python constructors makemigrations serialises as
 * constants.
 */
const NON_VOLATILE_CALLS = new Set([
  'Value', 'Now', 'Pi', 'Cast', 'Coalesce', 'Concat', 'ConcatPair', 'Lower', 'Upper', 'Length', 'Left', 'Right', 'LPad', 'RPad',
  'Trim', 'LTrim', 'RTrim', 'Replace', 'Reverse', 'Repeat', 'Substr', 'StrIndex', 'MD5', 'SHA1', 'SHA256', 'SHA512', 'Chr', 'Ord',
  'Greatest', 'Least', 'NullIf', 'Abs', 'Round', 'Floor', 'Ceil', 'Mod', 'Power', 'Sqrt', 'Sign', 'Exp', 'Ln', 'Log',
  'Trunc', 'TruncDate', 'TruncTime', 'TruncYear', 'TruncQuarter', 'TruncMonth', 'TruncWeek', 'TruncDay', 'TruncHour', 'TruncMinute', 'TruncSecond',
  'Extract', 'ExtractYear', 'ExtractMonth', 'ExtractDay', 'ExtractWeek', 'ExtractWeekDay', 'ExtractIsoYear', 'ExtractHour', 'ExtractMinute', 'ExtractSecond',
  'ExpressionWrapper', 'Func', 'JSONObject', 'Collate',
  'timedelta', 'datetime', 'date', 'time', 'Decimal', 'UUID', 'frozenset', 'set', 'dict', 'list', 'tuple',
]);

export type DefaultVolatility =
  | { kind: 'literal' }
  | { kind: 'non-volatile'; functions: string[] }
  | { kind: 'volatile'; function: string }
  | { kind: 'unknown'; function: string };

/** Names called in an expression's source text: `Now() + timedelta(days=1)` → `Now`, `timedelta`. */
function calledNames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/([A-Za-z_][\w.]*)\s*\(/g)) if (match[1]) names.push(lastSegment(match[1]));
  return names;
}

function namesOf(value: PyValue, into: string[]): void {
  switch (value.kind) {
    case 'call':
      into.push(lastSegment(value.callee));
      for (const arg of value.args) namesOf(arg, into);
      for (const arg of Object.values(value.kwargs)) namesOf(arg, into);
      return;
    case 'expr':
      into.push(...calledNames(value.text));
      return;
    case 'list':
    case 'tuple':
    case 'set':
      for (const item of value.items) namesOf(item, into);
      return;
    case 'dict':
      for (const entry of value.entries) namesOf(entry.value, into);
      return;
    default:
      return;
  }
}

/** How a `db_default` behaves when PostgreSQL adds the column: literal, stable/immutable, volatile or unknown. */
export function dbDefaultVolatility(value: PyValue): DefaultVolatility {
  const names: string[] = [];
  namesOf(value, names);
  if (names.length === 0) return { kind: 'literal' };
  const volatile = names.find((name) => VOLATILE_FUNCTIONS.has(name));
  if (volatile) return { kind: 'volatile', function: volatile };
  const unknown = names.find((name) => !NON_VOLATILE_CALLS.has(name));
  if (unknown) return { kind: 'unknown', function: unknown };
  return { kind: 'non-volatile', functions: names };
}

/** True when a `db_default` is a plain value (a literal, or `Value(<literal>)`): no SQL expression. */
export function isLiteralDbDefault(value: PyValue): boolean {
  if (value.kind === 'call' && lastSegment(value.callee) === 'Value') return value.args.every((arg) => dbDefaultVolatility(arg).kind === 'literal');
  return dbDefaultVolatility(value).kind === 'literal';
}

/** `name=` of an index or constraint value (`models.Index(..., name="x")`), when literal. */
export function objectName(value: PyValue | undefined): string | undefined {
  if (value?.kind !== 'call') return undefined;
  return asString(value.kwargs['name']);
}

export type ConstraintKind = 'check' | 'unique' | 'exclusion' | 'other';

export interface ConstraintInfo {
  kind: ConstraintKind;
  name: string;
  /** Class name as written, last segment. */
  className: string;
  /** UniqueConstraint compiled to CREATE UNIQUE INDEX (condition / expressions / include / opclasses). */
  indexBacked: boolean;
}

/** Classify the `constraint=` value of AddConstraint / AddConstraintNotValid. */
export function constraintInfo(value: PyValue | undefined): ConstraintInfo | undefined {
  if (value?.kind !== 'call') return undefined;
  const className = lastSegment(value.callee);
  const name = asString(value.kwargs['name']) ?? 'unnamed';
  let kind: ConstraintKind = 'other';
  if (className === 'CheckConstraint') kind = 'check';
  else if (className === 'UniqueConstraint') kind = 'unique';
  else if (className === 'ExclusionConstraint') kind = 'exclusion';
  const hasKwarg = (key: string): boolean => {
    const arg = value.kwargs[key];
    if (!arg || arg.kind === 'none') return false;
    const items = asItems(arg);
    return items ? items.length > 0 : true;
  };
  // Positional expressions (`UniqueConstraint(Lower("email"), name=...)`) also compile to an index.
  const indexBacked = kind === 'unique' && (value.args.length > 0 || hasKwarg('condition') || hasKwarg('expressions') || hasKwarg('include') || hasKwarg('opclasses'));
  return { kind, name, className, indexBacked };
}

/**
 * `unique_together` / `index_together` value → normalised sets of lower-cased field names, like
 * Django's `normalize_together` (a single tuple of names counts as one set). Undefined when not literal.
 */
export function togetherSets(value: PyValue | undefined): string[][] | undefined {
  if (value === undefined || value.kind === 'none') return [];
  // `set()`, `frozenset({...})`: makemigrations writes an empty set as a call.
  if (value.kind === 'call' && (value.callee === 'set' || value.callee === 'frozenset')) return value.args.length === 0 ? [] : togetherSets(value.args[0]);
  const items = asItems(value);
  if (!items) return undefined;
  if (items.length === 0) return [];
  if (items.every((item) => item.kind === 'str')) return [items.map((item) => (item.kind === 'str' ? item.value.toLowerCase() : ''))];
  const sets: string[][] = [];
  for (const item of items) {
    const names = asItems(item);
    if (!names || !names.every((name) => name.kind === 'str')) return undefined;
    sets.push(names.map((name) => (name.kind === 'str' ? name.value.toLowerCase() : '')));
  }
  return sets;
}

/** Sets present in `after` but not in `before` (order of names inside a set matters, as for the index). */
export function addedSets(before: string[][], after: string[][]): string[][] {
  const known = new Set(before.map((set) => set.join(',')));
  return after.filter((set) => !known.has(set.join(',')));
}

/** The model's previous `unique_together` / `index_together`, or undefined when the earlier state is unknown. */
export function previousTogether(ctx: MigrationRuleContext, visit: OperationVisit, option: 'unique_together' | 'index_together'): string[][] | undefined {
  if (!visit.model) return undefined;
  const model = visit.stateBefore.model(ctx.migration.app, visit.model);
  if (!model) return undefined;
  return togetherSets(model.options[option]);
}

/**
 * The field as it was before this operation (state replay), or undefined when the earlier
 * migrations were not read.
 */
export function previousField(ctx: MigrationRuleContext, visit: OperationVisit): FieldDef | undefined {
  const { op } = visit;
  if (!visit.model || !op.name) return undefined;
  // Several index rules ask this of the same visit: look it up once.
  const app = ctx.migration.app;
  const cached = previousFieldCache.get(visit);
  if (cached !== undefined && cached.app === app) return cached.field;
  const field = visit.stateBefore.model(app, visit.model)?.fields.get(op.name.toLowerCase());
  previousFieldCache.set(visit, { app, field });
  return field;
}

/** Keyed weakly by the visit: visits are made per analysis, and their state never changes. */
const previousFieldCache = new WeakMap<OperationVisit, { app: string; field: FieldDef | undefined }>();

/** Attributes that never reach the database (Django's `_field_should_be_altered` ignores them). */
const NON_DB_ATTRIBUTES = new Set(['blank', 'choices', 'editable', 'error_messages', 'help_text', 'limit_choices_to', 'on_delete', 'related_name', 'related_query_name', 'validators', 'verbose_name', 'default', 'db_comment']);

function canonical(value: PyValue | undefined): string {
  if (value === undefined) return '';
  // Several AlterField rules compare the same parsed values: serialise each once per analysis.
  let text = canonicalCache.get(value);
  if (text === undefined) {
    text = JSON.stringify(value, (key, inner: unknown) => (key === 'line' ? undefined : inner));
    canonicalCache.set(value, text);
  }
  return text;
}

/** Keyed weakly by the parsed value, which nothing mutates. */
const canonicalCache = new WeakMap<PyValue, string>();

/** True when an AlterField changes something the schema editor turns into DDL. */
export function changesDatabase(before: FieldDef, after: FieldDef, ignore: readonly string[] = []): boolean {
  if (before.type !== after.type) return true;
  // Every key of either side, without building their union: most AlterFields differ early or not at all.
  const differs = (key: string): boolean => !NON_DB_ATTRIBUTES.has(key) && !ignore.includes(key) && canonical(before.kwargs[key]) !== canonical(after.kwargs[key]);
  for (const key of Object.keys(before.kwargs)) if (differs(key)) return true;
  for (const key of Object.keys(after.kwargs)) if (!Object.hasOwn(before.kwargs, key) && differs(key)) return true;
  return false;
}

/** `model_name` as written, falling back to the lower-cased model the visit touches. */
export function modelLabel(visit: OperationVisit): string {
  return visit.op.model ?? visit.model ?? 'unknown';
}

/** True for operations that run DDL on an existing table: not state-only, not on a model created in this migration. */
export function touchesExistingTable(ctx: MigrationRuleContext, visit: OperationVisit): visit is OperationVisit & { model: string } {
  return visit.dbEffective && visit.model !== null && !ctx.isNewModel(visit.model, visit.op);
}

// ---- SQL ----------------------------------------------------------------------------------

/** Statement code per RunSQL: half the locking and hygiene rules ask for it (shared, so callers must not mutate). */
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

// ---- Messages and recipes ------------------------------------------------------------------

const DATABASE_NAMES: Record<Database, string> = { postgresql: 'PostgreSQL', mysql: 'MySQL', mariadb: 'MariaDB', sqlite: 'SQLite', oracle: 'Oracle' };

/** Display name of the target database: `PostgreSQL`, `MySQL`… */
export function databaseName(database: Database): string {
  return DATABASE_NAMES[database];
}

export interface MigrationFileSpec {
  /** Import lines, as written at the top of the file. */
  imports: string[];
  /** Module-level code between the imports and the class (RunPython functions). */
  preamble?: string;
  /** Set for migrations that must not run in a transaction; the text is the comment saying why. */
  nonAtomicBecause?: string;
  /** The migration this one depends on, e.g. `0041_previous`. */
  dependsOn: string;
  app?: string;
  /** The operations, one per line, already indented by 8 spaces where they continue. */
  operations: string[];
}

/** A complete migration file as Python source (used both in recipes and as the rule's good cases). */
export function migrationSource(spec: MigrationFileSpec): string {
  const lines = [...spec.imports, '', ''];
  if (spec.preamble) lines.push(spec.preamble.trimEnd(), '', '');
  lines.push('class Migration(migrations.Migration):');
  if (spec.nonAtomicBecause) lines.push(`    atomic = False  # ${spec.nonAtomicBecause}`, '');
  lines.push(`    dependencies = [("${spec.app ?? 'shop'}", "${spec.dependsOn}")]`, '', '    operations = [');
  for (const operation of spec.operations) lines.push(...operation.split('\n').map((line) => (line ? `        ${line}` : line)));
  lines.push('    ]', '');
  return lines.join('\n');
}

/** The same file as a fenced block with its path as a heading line, for safe-alternative Markdown. */
export function migrationFile(path: string, spec: MigrationFileSpec): string {
  return [`\`${path}\`:`, '', '```python', migrationSource(spec).trimEnd(), '```'].join('\n');
}
