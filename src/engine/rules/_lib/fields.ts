import type { FieldDef, PyValue } from '../../types.js';
import { asBool, asString, isTrue, lastSegment } from './values.js';

const AUTO_FIELDS = new Set(['AutoField', 'BigAutoField', 'SmallAutoField']);
const RELATION_FIELDS = new Set(['ForeignKey', 'OneToOneField', 'ParentalKey', 'TreeForeignKey']);
const TEXT_FIELDS = new Set(['CharField', 'TextField', 'SlugField', 'EmailField', 'URLField', 'FilePathField', 'FileField', 'ImageField', 'GenericIPAddressField', 'IPAddressField', 'CICharField', 'CIEmailField', 'CITextField']);

export function isAutoField(field: FieldDef): boolean {
  return AUTO_FIELDS.has(field.type);
}

/** ForeignKey / OneToOneField (and common third-party subclasses). */
export function isForeignKey(field: FieldDef): boolean {
  return RELATION_FIELDS.has(field.type);
}

export function isManyToMany(field: FieldDef): boolean {
  return field.type === 'ManyToManyField' || field.type === 'ParentalManyToManyField' || field.type === 'TaggableManager';
}

/** A field with no column of its own on the model's table. */
export function hasNoColumn(field: FieldDef): boolean {
  return isManyToMany(field) || field.type === 'GenericRelation';
}

export function isGeneratedField(field: FieldDef): boolean {
  return field.type === 'GeneratedField';
}

/** Django's default is `null=False`; M2M and generated fields never count as NOT NULL columns. */
export function isNotNull(field: FieldDef): boolean {
  if (hasNoColumn(field) || isGeneratedField(field)) return false;
  return asBool(field.kwargs['null']) !== true;
}

export function isNullable(field: FieldDef): boolean {
  return !hasNoColumn(field) && asBool(field.kwargs['null']) === true;
}

/** `db_default` present and not `None` (DEFAULT NULL counts as no default). */
export function hasDbDefault(field: FieldDef): boolean {
  const value = field.kwargs['db_default'];
  return value !== undefined && value.kind !== 'none';
}

export function dbDefault(field: FieldDef): PyValue | undefined {
  const value = field.kwargs['db_default'];
  return value && value.kind !== 'none' ? value : undefined;
}

/** The field gets a Python-side value for existing rows (kwarg default, auto_now(_add), or a blank string field). */
export function hasPythonDefault(field: FieldDef, preserveDefault?: PyValue): boolean {
  const value = field.kwargs['default'];
  if (value !== undefined && value.kind !== 'none') return true;
  if (preserveDefault?.kind === 'bool' && preserveDefault.value === false) return true;
  if (isTrue(field, 'auto_now') || isTrue(field, 'auto_now_add')) return true;
  if (TEXT_FIELDS.has(field.type) && isTrue(field, 'blank')) return true;
  return false;
}

export function isUnique(field: FieldDef): boolean {
  return isTrue(field, 'unique') || isTrue(field, 'primary_key');
}

export function isPrimaryKey(field: FieldDef): boolean {
  return isTrue(field, 'primary_key');
}

/** The column gets a (non-unique) index: `db_index=True`, or a FK/O2O without `db_index=False`. */
export function isIndexed(field: FieldDef): boolean {
  if (isForeignKey(field)) return asBool(field.kwargs['db_index']) !== false || field.type === 'OneToOneField';
  return isTrue(field, 'db_index');
}

/** FK with a database constraint (default `db_constraint=True`). */
export function hasDbConstraint(field: FieldDef): boolean {
  return isForeignKey(field) && asBool(field.kwargs['db_constraint']) !== false;
}

/** The database column name: `db_column` or the field name (plus `_id` for relations). */
export function columnName(field: FieldDef, fieldName: string): string {
  const explicit = asString(field.kwargs['db_column']);
  if (explicit) return explicit;
  return isForeignKey(field) ? `${fieldName}_id` : fieldName;
}

/** `to=` target of a relation as written (`app.Model`, `settings.AUTH_USER_MODEL`, `Model`). */
export function relationTarget(field: FieldDef): string | undefined {
  const to = field.kwargs['to'];
  if (!to) return undefined;
  if (to.kind === 'str') return to.value;
  if (to.kind === 'name') return to.path;
  return undefined;
}

/** Field class name without module: `models.CharField` → `CharField`. */
export function fieldClass(field: FieldDef): string {
  return lastSegment(field.callee);
}
