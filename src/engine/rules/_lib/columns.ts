/** Column types as the database sees them: what an AlterField changes, and whether the database must rewrite or convert. */
import type { Database, FieldDef, PyValue } from '../../types.js';
import type { OperationVisit, ResolvedSettings } from '../types.js';
import { hasNoColumn, isAutoField, isForeignKey, isPrimaryKey, relationTarget } from './fields.js';
import { asNumber, asString } from './values.js';

/** A column definition reduced to what decides whether the database must convert it. */
export interface ColumnKind {
  /**
   * Base SQL type family: `varchar`, `text`, `integer`, `numeric`, …; `class:<Name>` for a field class we do
   * not know, `relation` for a foreign key whose target could not be resolved.
   */
  base: string;
  /** varchar length; undefined = unlimited (CharField without max_length on PostgreSQL). */
  length?: number;
  maxDigits?: number;
  decimalPlaces?: number;
  /** Positive*Field adds a `CHECK (col >= 0)` constraint. */
  nonNegative: boolean;
  collation?: string;
  /** A size argument is not a literal (`max_length=settings.X`): the size cannot be compared. */
  sizeUnknown: boolean;
}

/** Finds the field a foreign key's column copies its type from (the target's pk or `to_field`). */
export type RelationResolver = (field: FieldDef) => FieldDef | undefined;

const VARCHAR_DEFAULT_LENGTH: Record<string, number | undefined> = {
  CharField: undefined,
  SlugField: 50,
  EmailField: 254,
  URLField: 200,
  FileField: 100,
  ImageField: 100,
  FilePathField: 100,
};

const BASE_TYPES: Record<string, string> = {
  TextField: 'text',
  CITextField: 'citext',
  CICharField: 'citext',
  CIEmailField: 'citext',
  IntegerField: 'integer',
  PositiveIntegerField: 'integer',
  AutoField: 'integer',
  SmallIntegerField: 'smallint',
  PositiveSmallIntegerField: 'smallint',
  SmallAutoField: 'smallint',
  BigIntegerField: 'bigint',
  PositiveBigIntegerField: 'bigint',
  BigAutoField: 'bigint',
  DecimalField: 'numeric',
  FloatField: 'double',
  BooleanField: 'boolean',
  NullBooleanField: 'boolean',
  DateField: 'date',
  DateTimeField: 'datetime',
  TimeField: 'time',
  DurationField: 'interval',
  UUIDField: 'uuid',
  JSONField: 'json',
  BinaryField: 'binary',
  GenericIPAddressField: 'inet',
  IPAddressField: 'inet',
  HStoreField: 'hstore',
};

/** Reads a size kwarg: absent → fallback, literal number → it, anything else → null (unknown). */
function sizeArg(field: FieldDef, key: string, fallback?: number): number | undefined | null {
  const value = field.kwargs[key];
  if (value === undefined || value.kind === 'none') return fallback;
  return asNumber(value) ?? null;
}

export function columnKind(field: FieldDef, resolveRelation?: RelationResolver, depth = 0): ColumnKind {
  const collation = asString(field.kwargs['db_collation']);
  const kind: ColumnKind = { base: `class:${field.type}`, nonNegative: field.type.startsWith('Positive'), sizeUnknown: false };
  if (collation !== undefined) kind.collation = collation;
  const setLength = (length: number | undefined | null): void => {
    if (length === null) kind.sizeUnknown = true;
    else if (length !== undefined) kind.length = length;
  };
  if (isForeignKey(field)) {
    // The column copies the type of the target's primary key (or `to_field`); one level is enough.
    const target = depth === 0 ? resolveRelation?.(field) : undefined;
    if (!target || isForeignKey(target)) return { base: 'relation', nonNegative: false, sizeUnknown: false };
    const copied = columnKind(target, undefined, depth + 1);
    return { ...copied, nonNegative: false };
  }
  if (field.type in VARCHAR_DEFAULT_LENGTH) {
    kind.base = 'varchar';
    setLength(sizeArg(field, 'max_length', VARCHAR_DEFAULT_LENGTH[field.type]));
    return kind;
  }
  const base = BASE_TYPES[field.type];
  if (base) {
    kind.base = base;
    if (base === 'numeric') {
      const digits = sizeArg(field, 'max_digits');
      const places = sizeArg(field, 'decimal_places');
      if (digits === null || places === null) kind.sizeUnknown = true;
      if (typeof digits === 'number') kind.maxDigits = digits;
      if (typeof places === 'number') kind.decimalPlaces = places;
    }
    return kind;
  }
  // A field class we do not know. `max_length` belongs to CharField, so a class taking it is almost surely a
  // CharField subclass (CountryField, PhoneNumberField…) stored as varchar.
  if (field.kwargs['max_length'] !== undefined) {
    kind.base = 'varchar';
    setLength(sizeArg(field, 'max_length'));
  }
  return kind;
}

function sameKind(a: ColumnKind, b: ColumnKind): boolean {
  return a.base === b.base && a.length === b.length && a.maxDigits === b.maxDigits && a.decimalPlaces === b.decimalPlaces && a.nonNegative === b.nonNegative && a.collation === b.collation;
}

/** A column type we could not determine (unknown class or unresolved foreign key target). */
function isOpaque(kind: ColumnKind): boolean {
  return kind.base.startsWith('class:') || kind.base === 'relation';
}

/** utf8mb4 stores up to 4 bytes a character: VARCHAR(63) is the longest that fits a one-byte length prefix. */
const MYSQL_ONE_BYTE_PREFIX_CHARS = 63;

/**
 * How the database treats a change from one column definition to another: `none` (no type change),
 * `safe` (a cast done without rewriting or copying the table), `rewrite`, `check-added` (PostgreSQL: same
 * type plus a `>= 0` CHECK that is validated by a full scan), or `unknown` (a class whose column type we do
 * not know, or a size that is not a literal).
 */
export function typeChange(before: FieldDef, after: FieldDef, database: Database, resolveRelation?: RelationResolver): 'none' | 'safe' | 'rewrite' | 'check-added' | 'unknown' {
  const a = columnKind(before, resolveRelation);
  const b = columnKind(after, resolveRelation);
  if (a.sizeUnknown || b.sizeUnknown) return 'unknown';
  if (sameKind(a, b)) return 'none';
  if (isOpaque(a) || isOpaque(b)) return 'unknown';
  if (a.collation !== b.collation) return 'rewrite';
  if (database === 'postgresql' && a.nonNegative !== b.nonNegative && sameKind({ ...a, nonNegative: b.nonNegative }, b)) {
    // Positive*Field is the same integer type plus `CHECK (col >= 0)`: dropping it is cheap, adding it scans the table.
    return b.nonNegative ? 'check-added' : 'safe';
  }
  if (a.nonNegative !== b.nonNegative) return 'rewrite';
  if (database === 'postgresql') {
    // Binary-coercible casts: PostgreSQL only updates the catalog (no table rewrite).
    if (a.base === 'varchar' && b.base === 'varchar') return b.length === undefined || (a.length !== undefined && b.length >= a.length) ? 'safe' : 'rewrite';
    if (a.base === 'varchar' && b.base === 'text') return 'safe';
    if (a.base === 'text' && b.base === 'varchar' && b.length === undefined) return 'safe';
    if (a.base === 'numeric' && b.base === 'numeric' && a.decimalPlaces === b.decimalPlaces && a.maxDigits !== undefined && b.maxDigits !== undefined && b.maxDigits >= a.maxDigits) return 'safe';
    return 'rewrite';
  }
  if (database === 'mysql' || database === 'mariadb') {
    // In-place VARCHAR extension works only while the length prefix keeps its size (1 byte up to 255 bytes).
    if (a.base === 'varchar' && b.base === 'varchar' && a.length !== undefined && b.length !== undefined && b.length >= a.length) {
      const prefixBefore = a.length <= MYSQL_ONE_BYTE_PREFIX_CHARS;
      const prefixAfter = b.length <= MYSQL_ONE_BYTE_PREFIX_CHARS;
      return prefixBefore === prefixAfter ? 'safe' : 'rewrite';
    }
    return 'rewrite';
  }
  return 'rewrite';
}

/** Resolves a foreign key to the field its column copies (target pk, or `to_field`) using the state before the operation. */
export function relationResolver(visit: OperationVisit, app: string, settings: ResolvedSettings): RelationResolver {
  return (field) => {
    const target = normaliseRelationTarget(field, app, settings);
    if (!target) return undefined;
    const dot = target.lastIndexOf('.');
    const model = visit.stateBefore.model(target.slice(0, dot), target.slice(dot + 1));
    if (!model) return undefined;
    const toField = literalOrName(field.kwargs['to_field']);
    if (toField) return model.fields.get(toField.toLowerCase());
    for (const candidate of model.fields.values()) if (isPrimaryKeyColumn(candidate)) return candidate;
    return model.fields.get('id');
  };
}

/** `CharField(max_length=100)`, `DecimalField(max_digits=10, decimal_places=2)`, `BigAutoField`. */
export function describeColumn(field: FieldDef): string {
  const parts: string[] = [];
  for (const key of ['max_length', 'max_digits', 'decimal_places', 'db_collation']) {
    const value = field.kwargs[key];
    if (value) parts.push(`${key}=${renderLiteral(value)}`);
  }
  return parts.length > 0 ? `${field.type}(${parts.join(', ')})` : field.type;
}

function renderLiteral(value: PyValue): string {
  if (value.kind === 'int' || value.kind === 'float') return value.text;
  if (value.kind === 'str') return JSON.stringify(value.value);
  if (value.kind === 'name') return value.path;
  if (value.kind === 'expr') return value.text;
  return '…';
}

/** Primary key as far as the column goes: explicit `primary_key=True` or an auto field. */
export function isPrimaryKeyColumn(field: FieldDef): boolean {
  return isPrimaryKey(field) || isAutoField(field);
}

/** Both definitions have a column on the model's own table (no M2M, no GenericRelation). */
export function bothHaveColumns(before: FieldDef, after: FieldDef): boolean {
  return !hasNoColumn(before) && !hasNoColumn(after);
}

/**
 * Normalise a relation target to `app.model` lower-cased so two spellings compare equal:
 * `settings.AUTH_USER_MODEL` → the configured swappable model; `Model` → this app's model.
 */
export function normaliseRelationTarget(field: FieldDef, app: string, settings: Pick<ResolvedSettings, 'swappable'>): string | undefined {
  const target = relationTarget(field);
  if (!target) return undefined;
  let resolved = target;
  if (target.startsWith('settings.')) {
    const setting = target.slice('settings.'.length);
    resolved = settings.swappable[setting] ?? (setting === 'AUTH_USER_MODEL' ? 'auth.User' : target);
  }
  if (!resolved.includes('.')) resolved = `${app}.${resolved}`;
  return resolved.toLowerCase();
}

/** Name of a value written as a literal string or a dotted name; undefined otherwise. */
export function literalOrName(value: PyValue | undefined): string | undefined {
  if (value?.kind === 'str') return value.value;
  if (value?.kind === 'name') return value.path;
  return undefined;
}

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
