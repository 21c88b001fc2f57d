import type { Database, FieldDef, MigrationFile, PyValue } from '../../types.js';
import type { MigrationRuleContext, OperationVisit, ResolvedSettings } from '../types.js';
import { hasNoColumn, hasPythonDefault, isAutoField, isForeignKey, isPrimaryKey, relationTarget } from './fields.js';
import { asNumber, asString, isTrue } from './values.js';

/** Model name for messages: as written in the operation, else the visit's lower-cased name. */
export function modelLabel(visit: OperationVisit): string {
  return visit.op.model ?? visit.op.oldName ?? visit.model ?? 'unknown model';
}

/** Field definition just before this operation, or undefined when earlier migrations were not read. */
export function previousField(visit: OperationVisit, app: string, fieldName: string | undefined = visit.op.name): FieldDef | undefined {
  const model = visit.op.model ?? visit.model;
  if (!model || !fieldName) return undefined;
  // About ten AlterField rules ask this of the same visit: look the operation's own field up once.
  const cacheable = fieldName === visit.op.name;
  if (cacheable) {
    const cached = previousFieldCache.get(visit);
    if (cached !== undefined && cached.app === app) return cached.field;
  }
  const field = visit.stateBefore.model(app, model)?.fields.get(fieldName.toLowerCase());
  if (cacheable) previousFieldCache.set(visit, { app, field });
  return field;
}

/** Keyed weakly by the visit: visits are made per analysis, and their state never changes. */
const previousFieldCache = new WeakMap<OperationVisit, { app: string; field: FieldDef | undefined }>();

/** Django's default table name: `<app_label>_<model name lower-cased>`. */
export function defaultTableName(app: string, model: string): string {
  return `${app}_${model}`.toLowerCase();
}

/**
 * Operations that have an effect on the database and touch an existing table (not one created in this migration).
 * An array rather than a generator: a dozen rules call this per file, and most files match nothing.
 */
export function existingTableVisits(ctx: Pick<MigrationRuleContext, 'visits' | 'isNewModel'>, types: readonly string[]): readonly OperationVisit[] {
  let found: OperationVisit[] | undefined;
  for (const visit of ctx.visits) {
    if (!visit.dbEffective || !types.includes(visit.op.type)) continue;
    if (visit.model && ctx.isNewModel(visit.model, visit.op)) continue;
    (found ??= []).push(visit);
  }
  return found ?? NO_VISITS;
}

const NO_VISITS: readonly OperationVisit[] = [];

export type DeployStage = 'pre-deploy' | 'post-deploy';

/**
 * The stage a migration declares for itself: django-syzygy's `stage = Stage.POST_DEPLOY` or
 * django-safemigrate's `safe = Safe.after_deploy` (also written as a call in newer releases).
 */
export function declaredStage(migration: MigrationFile): { stage: DeployStage; text: string } | null {
  const stage = migration.extraAttributes['stage'];
  if (stage !== undefined) {
    if (/POST_DEPLOY/i.test(stage)) return { stage: 'post-deploy', text: `stage = ${stage}` };
    if (/PRE_DEPLOY/i.test(stage)) return { stage: 'pre-deploy', text: `stage = ${stage}` };
  }
  const safe = migration.extraAttributes['safe'];
  if (safe !== undefined) {
    if (/after_deploy/i.test(safe)) return { stage: 'post-deploy', text: `safe = ${safe}` };
    if (/before_deploy/i.test(safe)) return { stage: 'pre-deploy', text: `safe = ${safe}` };
  }
  return null;
}

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

/**
 * Django has a value for existing rows when adding the column: `hasPythonDefault`, plus blank third-party
 * CharField subclasses (a class taking `max_length`), which Django fills with `''` like CharField.
 */
export function fillsExistingRows(field: FieldDef, preserveDefault?: PyValue): boolean {
  return hasPythonDefault(field, preserveDefault) || (field.kwargs['max_length'] !== undefined && isTrue(field, 'blank'));
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
export function normaliseRelationTarget(field: FieldDef, app: string, settings: ResolvedSettings): string | undefined {
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

/** Path of the shared earlier migration the rolling-deploy rule cases replay state from. */
export const SHOP_INITIAL_PATH = 'shop/migrations/0001_initial.py';

/**
 * The earlier migration the rolling-deploy rule cases give as context, so state replay knows each
 * field's previous definition (nullable `note`, NOT NULL `number`, a foreign key, an M2M, a pinned
 * `db_column` and a model with an explicit `db_table`).
 */
export const SHOP_INITIAL = `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),
                ("email", models.EmailField(max_length=254)),
            ],
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),
                ("number", models.CharField(max_length=20)),
                ("note", models.TextField(null=True)),
                ("status", models.CharField(max_length=16)),
                ("total", models.DecimalField(max_digits=10, decimal_places=2)),
                ("reference", models.CharField(max_length=40, db_column="legacy_ref")),
                ("customer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.customer")),
                ("watchers", models.ManyToManyField(related_name="watched_orders", to="shop.customer")),
            ],
        ),
        migrations.CreateModel(
            name="Invoice",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),
                ("order", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.order")),
            ],
            options={"db_table": "legacy_invoice"},
        ),
    ]
`;

/** `{ [SHOP_INITIAL_PATH]: SHOP_INITIAL }` plus any further earlier migrations. */
export function shopContext(extra: Record<string, string> = {}): Record<string, string> {
  return { [SHOP_INITIAL_PATH]: SHOP_INITIAL, ...extra };
}
