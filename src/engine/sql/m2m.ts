/**
 * The join table Django creates for a ManyToManyField without `through=` (create_many_to_many_intermediary_model):
 * an auto `id` of the project's DEFAULT_AUTO_FIELD (migration state ignores AppConfig.default_auto_field),
 * a foreign key to each side named after the models, and unique_together on the pair.
 */
import type { ModelState, StateView } from '../rules/types.js';
import type { FieldDef, PyValue } from '../types.js';
import { relatedModel, tableName } from './columns.js';
import type { Vendor } from './columns.js';
import { truncateName } from './names.js';
import { Unpredictable } from './types.js';

const AUTO_FIELDS = new Set(['AutoField', 'BigAutoField', 'SmallAutoField']);

export function isManyToMany(field: FieldDef): boolean {
  return field.type === 'ManyToManyField' && (field.classPath === undefined || field.classPath === field.type || field.classPath.startsWith('django.'));
}

/** True when Django makes the join table (no `through=`). */
export function autoThrough(field: FieldDef): boolean {
  const through = field.kwargs['through'];
  return through === undefined || through.kind === 'none';
}

function field(type: string, kwargs: Record<string, PyValue>): FieldDef {
  return { type, callee: `models.${type}`, classPath: `django.db.models.${type}`, kwargs, extraArgs: [], line: 0 };
}

function str(value: string): PyValue {
  return { kind: 'str', value };
}

/** The join table's name: `db_table=`, or the model's table and the field name fitted to the backend's limit. */
export function joinTableName(model: ModelState, fieldName: string, m2m: FieldDef, vendor: Vendor): string {
  const dbTable = m2m.kwargs['db_table'];
  if (dbTable !== undefined && dbTable.kind !== 'str' && dbTable.kind !== 'none') throw new Unpredictable('`db_table=` of the many-to-many field is not a literal');
  return dbTable?.kind === 'str' ? dbTable.value : truncateName(`${tableName(model, vendor)}_${fieldName}`, vendor === 'postgresql' ? 63 : 64);
}

/** The auto-created through model of `model.fieldName`, as a model state the schema editor can create. */
export function throughModel(state: StateView, model: ModelState, fieldName: string, m2m: FieldDef, vendor: Vendor, swappable: Record<string, string>, defaultAutoField: string | undefined): ModelState {
  if (!defaultAutoField) throw new Unpredictable("the join table's id type follows the project's DEFAULT_AUTO_FIELD: set `defaultAutoField` in the config to predict it");
  if (!AUTO_FIELDS.has(defaultAutoField)) throw new Unpredictable(`DEFAULT_AUTO_FIELD ${defaultAutoField} is not one of Django's auto fields`);
  const to = m2m.kwargs['to'];
  const selfReference = to?.kind === 'str' && to.value === 'self';
  const target = selfReference ? `${model.app}.${model.name}`.toLowerCase() : relatedModel(state, model.app, m2m, swappable).key;
  let toName = target.split('.')[1]!;
  let fromName = model.name.toLowerCase();
  if (toName === fromName) [toName, fromName] = [`to_${toName}`, `from_${fromName}`];
  const constraint = m2m.kwargs['db_constraint'];
  const fkKwargs = (pointsAt: PyValue): Record<string, PyValue> => ({ to: pointsAt, on_delete: { kind: 'name', path: 'django.db.models.CASCADE' }, ...(constraint ? { db_constraint: constraint } : {}) });
  const table = joinTableName(model, fieldName, m2m, vendor);
  const fields = new Map<string, FieldDef>([
    ['id', field(defaultAutoField, { auto_created: { kind: 'bool', value: true }, primary_key: { kind: 'bool', value: true }, serialize: { kind: 'bool', value: false } })],
    [fromName, field('ForeignKey', fkKwargs(str(`${model.app}.${model.name}`)))],
    [toName, field('ForeignKey', fkKwargs(selfReference ? str(`${model.app}.${model.name}`) : str(target)))],
  ]);
  const pair: PyValue = { kind: 'tuple', items: [str(fromName), str(toName)] };
  return { app: model.app, name: `${model.name}_${fieldName}`, fields, options: { unique_together: { kind: 'list', items: [pair] } }, dbTable: table, createdIn: null };
}
