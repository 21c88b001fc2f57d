/** What AddField writes into existing rows, and how volatile a `db_default` is. */
import type { FieldDef, PyValue } from '../../types.js';
import { hasPythonDefault } from './fields.js';
import { asBool, describeValue, isTrue, lastSegment } from './values.js';

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

/**
 * Django has a value for existing rows when adding the column: `hasPythonDefault`, plus blank third-party
 * CharField subclasses (a class taking `max_length`), which Django fills with `''` like CharField.
 */
export function fillsExistingRows(field: FieldDef, preserveDefault?: PyValue): boolean {
  return hasPythonDefault(field, preserveDefault) || (field.kwargs['max_length'] !== undefined && isTrue(field, 'blank'));
}
