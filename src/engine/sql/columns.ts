/**
 * From a field in the replayed state to the column Django's schema editor defines: name, type per
 * backend (each backend's `data_types`), nullability, check, relation target, and the literal
 * default as the backend's driver would quote it.
 */
import type { ModelState, StateView } from '../rules/types.js';
import type { Database, FieldDef, PyValue } from '../types.js';
import { truncateName } from './names.js';
import { Unpredictable } from './types.js';

export type Vendor = 'postgresql' | 'mysql';

/** Field classes that subclass another for the column (get_internal_type). */
const INTERNAL_TYPE: Record<string, string> = {
  EmailField: 'CharField',
  URLField: 'CharField',
  ImageField: 'FileField',
  CICharField: 'CharField',
  CIEmailField: 'CharField',
  CITextField: 'TextField',
};

const DEFAULT_MAX_LENGTH: Record<string, number> = { EmailField: 254, URLField: 200, SlugField: 50, FileField: 100, ImageField: 100, FilePathField: 100 };

const PG_TYPES: Record<string, string> = {
  AutoField: 'integer',
  BigAutoField: 'bigint',
  SmallAutoField: 'smallint',
  BinaryField: 'bytea',
  BooleanField: 'boolean',
  CharField: 'varchar(%(max_length)s)',
  DateField: 'date',
  DateTimeField: 'timestamp with time zone',
  DecimalField: 'numeric(%(max_digits)s, %(decimal_places)s)',
  DurationField: 'interval',
  FileField: 'varchar(%(max_length)s)',
  FilePathField: 'varchar(%(max_length)s)',
  FloatField: 'double precision',
  IntegerField: 'integer',
  BigIntegerField: 'bigint',
  GenericIPAddressField: 'inet',
  JSONField: 'jsonb',
  PositiveBigIntegerField: 'bigint',
  PositiveIntegerField: 'integer',
  PositiveSmallIntegerField: 'smallint',
  SlugField: 'varchar(%(max_length)s)',
  SmallIntegerField: 'smallint',
  TextField: 'text',
  TimeField: 'time',
  UUIDField: 'uuid',
  NullBooleanField: 'boolean',
  SearchVectorField: 'tsvector',
};

const MYSQL_TYPES: Record<string, string> = {
  AutoField: 'integer AUTO_INCREMENT',
  BigAutoField: 'bigint AUTO_INCREMENT',
  SmallAutoField: 'smallint AUTO_INCREMENT',
  BinaryField: 'longblob',
  BooleanField: 'bool',
  CharField: 'varchar(%(max_length)s)',
  DateField: 'date',
  DateTimeField: 'datetime(6)',
  DecimalField: 'numeric(%(max_digits)s, %(decimal_places)s)',
  DurationField: 'bigint',
  FileField: 'varchar(%(max_length)s)',
  FilePathField: 'varchar(%(max_length)s)',
  FloatField: 'double precision',
  IntegerField: 'integer',
  BigIntegerField: 'bigint',
  GenericIPAddressField: 'char(39)',
  JSONField: 'json',
  PositiveBigIntegerField: 'bigint UNSIGNED',
  PositiveIntegerField: 'integer UNSIGNED',
  PositiveSmallIntegerField: 'smallint UNSIGNED',
  SlugField: 'varchar(%(max_length)s)',
  SmallIntegerField: 'smallint',
  TextField: 'longtext',
  TimeField: 'time(6)',
  UUIDField: 'char(32)',
  NullBooleanField: 'bool',
};

const POSITIVE = new Set(['PositiveBigIntegerField', 'PositiveIntegerField', 'PositiveSmallIntegerField']);
const AUTO = new Set(['AutoField', 'BigAutoField', 'SmallAutoField']);
const RELATIONS = new Set(['ForeignKey', 'OneToOneField']);
const EMPTY_STRINGS_ALLOWED = new Set(['CharField', 'TextField', 'SlugField', 'FileField', 'FilePathField', 'BinaryField']);
/** The integer type a relation to an auto field uses (rel_db_type). */
const AUTO_REL: Record<string, string> = { AutoField: 'IntegerField', BigAutoField: 'BigIntegerField', SmallAutoField: 'SmallIntegerField' };

/** Tables and primary keys of contrib models a project's own migrations point at without creating. */
const CONTRIB_MODELS: Record<string, { table: string; pk: FieldDef }> = {
  'auth.user': { table: 'auth_user', pk: autoPk('AutoField') },
  'auth.group': { table: 'auth_group', pk: autoPk('AutoField') },
  'auth.permission': { table: 'auth_permission', pk: autoPk('AutoField') },
  'contenttypes.contenttype': { table: 'django_content_type', pk: autoPk('AutoField') },
  'sites.site': { table: 'django_site', pk: autoPk('AutoField') },
};

function autoPk(type: string): FieldDef {
  return { type, callee: `models.${type}`, kwargs: { primary_key: { kind: 'bool', value: true } }, extraArgs: [], line: 0 };
}

export interface Relation {
  table: string;
  column: string;
  dbConstraint: boolean;
}

export interface Column {
  fieldName: string;
  field: FieldDef;
  name: string;
  internalType: string;
  /** The column type without suffixes: `varchar(100)`, `bigint`. */
  dbType: string;
  /** PostgreSQL identity or similar, written after PRIMARY KEY. */
  typeSuffix: string | null;
  /** The body of a column CHECK, e.g. `"weight" >= 0`. */
  check: string | null;
  null: boolean;
  unique: boolean;
  primaryKey: boolean;
  dbIndex: boolean;
  collation: string | null;
  relation: Relation | null;
}

export function vendorOf(database: Database): Vendor | null {
  if (database === 'postgresql') return 'postgresql';
  if (database === 'mysql' || database === 'mariadb') return 'mysql';
  return null;
}

export function maxNameLength(vendor: Vendor): number {
  return vendor === 'postgresql' ? 63 : 64;
}

export function quoteName(vendor: Vendor, name: string): string {
  if (vendor === 'postgresql') return name.startsWith('"') && name.endsWith('"') ? name : `"${name}"`;
  return name.startsWith('`') && name.endsWith('`') ? name : `\`${name}\``;
}

export function kw(field: FieldDef, name: string): PyValue | undefined {
  return field.kwargs[name];
}

export function flag(field: FieldDef, name: string): boolean {
  const value = field.kwargs[name];
  if (value === undefined || value.kind === 'none') return false;
  if (value.kind === 'bool') return value.value;
  throw new Unpredictable(`\`${name}=\` is not a literal True/False`);
}

function intArg(field: FieldDef, name: string): number | null {
  const value = field.kwargs[name];
  if (value === undefined || value.kind === 'none') return null;
  if (value.kind === 'int') return value.value;
  throw new Unpredictable(`\`${name}=\` is not a literal integer`);
}

export function internalType(field: FieldDef): string {
  return INTERNAL_TYPE[field.type] ?? field.type;
}

export function isRelation(field: FieldDef): boolean {
  return RELATIONS.has(field.type);
}

export function hasColumn(field: FieldDef): boolean {
  return field.type !== 'ManyToManyField' && field.type !== 'GenericRelation' && field.type !== 'GeneratedField';
}

export function columnName(fieldName: string, field: FieldDef): string {
  const dbColumn = field.kwargs['db_column'];
  if (dbColumn?.kind === 'str') return dbColumn.value;
  if (dbColumn !== undefined && dbColumn.kind !== 'none') throw new Unpredictable('`db_column=` is not a literal string');
  return isRelation(field) ? `${fieldName}_id` : fieldName;
}

/** The table of a model: its db_table, else `app_model` truncated to the backend's name length. */
export function tableName(model: ModelState, vendor: Vendor): string {
  return model.dbTable ?? truncateName(`${model.app}_${model.name.toLowerCase()}`, maxNameLength(vendor));
}

/** ArrayField: the base field's type with `[size]` (PostgreSQL only). */
function arrayType(field: FieldDef, vendor: Vendor, fieldName: string): string {
  if (vendor !== 'postgresql') throw new Unpredictable('ArrayField exists on PostgreSQL only');
  const base = field.kwargs['base_field'];
  if (base?.kind !== 'call' || !/^(models|django\.db\.models)\.\w+Field$/.test(base.callee) || base.args.length > 0) throw new Unpredictable('the ArrayField base_field is not a literal models.<Field>(...)');
  const type = base.callee.split('.').pop()!;
  const baseField: FieldDef = { type, callee: base.callee, kwargs: base.kwargs, extraArgs: [], line: base.line };
  if (isRelation(baseField) || type === 'ManyToManyField') throw new Unpredictable('an ArrayField of relations');
  const size = intArg(field, 'size');
  return `${dataType(internalType(baseField), baseField, vendor, fieldName)}[${size ?? ''}]`;
}

function dataType(type: string, field: FieldDef, vendor: Vendor, fieldName: string): string {
  if (type === 'ArrayField') return arrayType(field, vendor, fieldName);
  const template = (vendor === 'postgresql' ? PG_TYPES : MYSQL_TYPES)[type];
  if (template === undefined) throw new Unpredictable(`no column type known for ${field.type} (${fieldName})`);
  return template.replace(/%\((\w+)\)s/g, (_, key: string) => {
    const value = intArg(field, key) ?? (key === 'max_length' ? (DEFAULT_MAX_LENGTH[field.type] ?? null) : null);
    if (value === null) {
      if (key === 'max_length' && vendor === 'postgresql') return '\u0000';
      throw new Unpredictable(`${field.type} ${fieldName} needs a literal \`${key}=\``);
    }
    return String(value);
  }).replace('(\u0000)', '');
}

/** The model a relation points at, resolved in the state (or a known contrib model). */
export function relatedModel(state: StateView, app: string, field: FieldDef, swappable: Record<string, string>): { model: ModelState | null; key: string } {
  const to = field.kwargs['to'];
  let target: string;
  if (to?.kind === 'str') target = to.value;
  else if (to?.kind === 'name' && to.path.startsWith('settings.')) target = swappable[to.path.slice('settings.'.length)] ?? (to.path === 'settings.AUTH_USER_MODEL' ? 'auth.User' : '');
  else throw new Unpredictable('the relation target `to=` is not a literal');
  if (!target) throw new Unpredictable('the swappable setting of `to=` is not configured');
  const [targetApp, targetName] = target.includes('.') ? (target.split('.', 2) as [string, string]) : [app, target];
  const key = `${targetApp}.${targetName}`.toLowerCase();
  return { model: state.model(targetApp, targetName) ?? null, key };
}

function primaryKey(model: ModelState): [string, FieldDef] | undefined {
  for (const [name, field] of model.fields) if (field.kwargs['primary_key']?.kind === 'bool' && (field.kwargs['primary_key'] as { value: boolean }).value) return [name, field];
  const id = model.fields.get('id');
  return id ? ['id', id] : undefined;
}

function relationTarget(state: StateView, app: string, fieldName: string, field: FieldDef, vendor: Vendor, swappable: Record<string, string>): { relation: Relation; target: FieldDef } {
  const { model, key } = relatedModel(state, app, field, swappable);
  const toField = field.kwargs['to_field'];
  if (!model) {
    const contrib = CONTRIB_MODELS[key];
    if (!contrib || (toField && toField.kind !== 'none')) throw new Unpredictable(`the model ${key} that ${fieldName} points at is not in the migrations read`);
    return { relation: { table: contrib.table, column: 'id', dbConstraint: true }, target: contrib.pk };
  }
  let target: [string, FieldDef] | undefined;
  if (toField?.kind === 'str') {
    const found = model.fields.get(toField.value.toLowerCase());
    target = found ? [toField.value, found] : undefined;
  } else target = primaryKey(model);
  if (!target) throw new Unpredictable(`the primary key of ${key} is not known`);
  const dbConstraint = field.kwargs['db_constraint'] === undefined ? true : flag(field, 'db_constraint');
  return { relation: { table: tableName(model, vendor), column: columnName(target[0], target[1]), dbConstraint }, target: target[1] };
}

/** Everything Django's column_sql needs about one field. */
/** A class named like a Django field but imported from elsewhere (`jsonfield.JSONField`) defines its own column. */
function assertDjangoClass(fieldName: string, field: FieldDef): void {
  const path = field.classPath;
  if (path === undefined || path === field.type || path.startsWith('django.')) return;
  throw new Unpredictable(`${fieldName} is a ${path}, not Django's own ${field.type}: its column type is defined by that package`);
}

export function columnOf(state: StateView, app: string, fieldName: string, field: FieldDef, vendor: Vendor, swappable: Record<string, string> = {}, nativeUuid = false): Column {
  if (field.extraArgs.length > 0) throw new Unpredictable(`${fieldName} has positional arguments the reader could not name`);
  assertDjangoClass(fieldName, field);
  const name = columnName(fieldName, field);
  const primary = flag(field, 'primary_key');
  const type = internalType(field);
  let relation: Relation | null = null;
  let dbType: string;
  if (isRelation(field)) {
    const resolved = relationTarget(state, app, fieldName, field, vendor, swappable);
    relation = resolved.relation;
    const targetType = internalType(resolved.target);
    const relType = AUTO_REL[targetType] ?? (POSITIVE.has(targetType) && vendor === 'postgresql' ? 'IntegerField' : targetType);
    dbType = dataType(relType, resolved.target, vendor, fieldName).replace(' AUTO_INCREMENT', '');
  } else {
    dbType = dataType(type, field, vendor, fieldName);
  }
  // MariaDB 10.7+ has a native uuid type (Django's MariaDB data_types).
  if (nativeUuid && dbType === 'char(32)' && (type === 'UUIDField' || isRelation(field))) dbType = 'uuid';
  const collation = field.kwargs['db_collation'];
  if (collation !== undefined && collation.kind !== 'str' && collation.kind !== 'none') throw new Unpredictable('`db_collation=` is not a literal');
  return {
    fieldName,
    field,
    name,
    internalType: type,
    dbType,
    typeSuffix: vendor === 'postgresql' && AUTO.has(type) ? 'GENERATED BY DEFAULT AS IDENTITY' : null,
    check: POSITIVE.has(type) ? `${quoteName(vendor, name)} >= 0` : null,
    // NullBooleanField (kept for historical migrations) is always nullable.
    null: flag(field, 'null') || type === 'NullBooleanField',
    unique: flag(field, 'unique') || (field.type === 'OneToOneField' && !primary) || primary,
    primaryKey: primary,
    dbIndex: field.kwargs['db_index'] === undefined ? isRelation(field) || type === 'SlugField' : flag(field, 'db_index'),
    collation: collation?.kind === 'str' ? collation.value : null,
    relation,
  };
}

/** A Python literal the migration gives as a default, as the backend's driver quotes it; undefined for None. */
export function quoteLiteral(value: PyValue, vendor: Vendor, column: Column): string | undefined {
  if (value.kind === 'none') return undefined;
  if (column.internalType === 'JSONField') return quoteJson(pyJson(jsonValue(value)), vendor);
  switch (value.kind) {
    case 'bool':
      // mysqlclient quotes a bool as a bit literal.
      return vendor === 'postgresql' ? (value.value ? 'true' : 'false') : value.value ? "b'1'" : "b'0'";
    case 'int':
      return String(value.value);
    case 'str':
      return stringLiteral(value.value, vendor, column);
    case 'call': {
      const decimal = decimalText(value);
      if (decimal !== undefined) return decimalLiteral(decimal, column);
      break;
    }
  }
  throw new Unpredictable(`the default \`${describe(value)}\` is computed when the migration runs`);
}

const TEXT_TYPES = new Set(['CharField', 'TextField', 'SlugField', 'FileField', 'FilePathField']);

/** A string default as the field converts it: text as is, a number string through int()/Decimal(). */
function stringLiteral(text: string, vendor: Vendor, column: Column): string {
  if (TEXT_TYPES.has(column.internalType)) return quoteString(text, vendor);
  if (column.internalType === 'DecimalField' && /^-?\d+(\.\d+)?$/.test(text)) return text;
  if (/IntegerField$/.test(column.internalType) && /^-?\d+$/.test(text)) return String(BigInt(text));
  throw new Unpredictable(`a string default on a ${column.internalType} is converted by the field`);
}

function quoteString(text: string, vendor: Vendor): string {
  if (text.includes('\\') || text.includes('\u0000')) throw new Unpredictable('a default with a backslash is quoted differently by each driver');
  return vendor === 'postgresql' ? `'${text.replace(/'/g, "''")}'` : `'${text.replace(/['"]/g, (c) => `\\${c}`)}'`;
}

/** `Decimal("1.50")` or `Decimal(0)`: the decimal's text, as Python's str() prints it. */
function decimalText(value: PyValue & { kind: 'call' }): string | undefined {
  if (!/(^|\.)Decimal$/.test(value.callee) || value.args.length !== 1) return undefined;
  const arg = value.args[0]!;
  if (arg.kind === 'str' && /^-?\d+(\.\d+)?$/.test(arg.value)) return arg.value;
  if (arg.kind === 'int') return String(arg.value);
  return undefined;
}

/** A Decimal through the field: integer fields keep int(); both drivers print a Decimal as str() does. */
function decimalLiteral(text: string, column: Column): string {
  if (/IntegerField$/.test(column.internalType)) return String(BigInt(text.split('.')[0]!));
  if (column.internalType !== 'DecimalField') throw new Unpredictable(`a Decimal default on a ${column.internalType} is converted by the field`);
  return text;
}

/** A JSON default: what json.dumps receives (`dict`/`list` are called for each row, giving {} and []). */
type Json = null | boolean | string | { int: string } | Json[] | { entries: Array<[string, Json]> };

function jsonValue(value: PyValue): Json {
  switch (value.kind) {
    case 'none':
      return null;
    case 'bool':
    case 'str':
      return value.value;
    case 'int':
      return { int: value.text };
    case 'list':
    case 'tuple':
      return value.items.map(jsonValue);
    case 'dict':
      return { entries: value.entries.map(({ key, value: v }) => {
        if (key.kind !== 'str') throw new Unpredictable('a JSON default with a key that is not a string');
        return [key.value, jsonValue(v)] as [string, Json];
      }) };
    case 'name':
      if (value.path === 'dict') return { entries: [] };
      if (value.path === 'list') return [];
      break;
  }
  throw new Unpredictable(`the default \`${describe(value)}\` is computed when the migration runs`);
}

/** Python's json.dumps with its default separators and ensure_ascii. */
function pyJson(value: Json): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return `"${[...value].map(jsonChar).join('')}"`;
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  if ('int' in value) return value.int;
  return `{${value.entries.map(([k, v]) => `${pyJson(k)}: ${pyJson(v)}`).join(', ')}}`;
}

function jsonChar(char: string): string {
  const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
  if (named[char]) return named[char];
  const code = char.codePointAt(0)!;
  if (code >= 0x20 && code < 0x7f) return char;
  if (code > 0xffff) throw new Unpredictable('a JSON default with characters outside the basic plane');
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** psycopg's Jsonb adapter appends the cast; MySQL gets the JSON text as a string. */
function quoteJson(text: string, vendor: Vendor): string {
  const quoted = quoteString(text, vendor);
  return vendor === 'postgresql' ? `${quoted}::jsonb` : quoted;
}

function describe(value: PyValue): string {
  if (value.kind === 'name') return value.path;
  if (value.kind === 'call') return `${value.callee}(…)`;
  if (value.kind === 'expr' || value.kind === 'lambda') return value.text;
  return value.kind;
}

/** The value Django writes into existing rows (effective_default), quoted; undefined when none. */
export function effectiveDefault(column: Column, vendor: Vendor): string | undefined {
  const field = column.field;
  const explicit = field.kwargs['default'];
  if (explicit !== undefined) return quoteLiteral(explicit, vendor, column);
  if (!column.null && flag(field, 'blank') && EMPTY_STRINGS_ALLOWED.has(column.internalType)) return column.internalType === 'BinaryField' ? undefined : "''";
  if ((flag(field, 'auto_now') || flag(field, 'auto_now_add')) && ['DateTimeField', 'DateField', 'TimeField'].includes(column.internalType)) {
    throw new Unpredictable('the default of an auto_now field is the time the migration runs');
  }
  return undefined;
}

/** `db_default=` as SQL (db_default_sql): a literal, or Now(). */
export function dbDefaultSql(column: Column, vendor: Vendor): string | undefined {
  const value = column.field.kwargs['db_default'];
  if (value === undefined) return undefined;
  if (value.kind === 'call' && /(^|\.)Now$/.test(value.callee) && value.args.length === 0) return vendor === 'postgresql' ? 'STATEMENT_TIMESTAMP()' : 'CURRENT_TIMESTAMP(6)';
  if (value.kind === 'call' && /(^|\.)Value$/.test(value.callee) && value.args.length === 1) return quoteLiteral(value.args[0]!, vendor, column);
  const literal = quoteLiteral(value, vendor, column);
  if (literal === undefined) throw new Unpredictable('db_default=None');
  return literal;
}
