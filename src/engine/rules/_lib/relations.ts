/** Which fields of the replayed state point at a model: the foreign keys whose columns follow its primary key. */
import type { ResolvedSettings, StateView } from '../types.js';
import { normaliseRelationTarget } from './columns.js';
import { columnName, isForeignKey } from './fields.js';
import { literalOrName } from './columns.js';
import { defaultTableName } from './tables.js';

export interface ReferencingColumn {
  app: string;
  model: string;
  field: string;
  /** `table.column` as the database names it. */
  column: string;
}

/**
 * ForeignKey / OneToOneField columns of every model in `state` that reference `app.model` by its primary key
 * (no `to_field`, or `to_field` naming `pkName`). Models whose migrations were not read are not in the state.
 */
export function referencingColumns(state: StateView, app: string, model: string, pkName: string, settings: ResolvedSettings): ReferencingColumn[] {
  const target = `${app}.${model}`.toLowerCase();
  const found: ReferencingColumn[] = [];
  for (const other of state.models()) {
    for (const [key, field] of other.fields) {
      if (!isForeignKey(field) || normaliseRelationTarget(field, other.app, settings) !== target) continue;
      const toField = literalOrName(field.kwargs['to_field']);
      if (toField && toField.toLowerCase() !== pkName.toLowerCase()) continue;
      const table = other.dbTable ?? defaultTableName(other.app, other.name);
      found.push({ app: other.app, model: other.name, field: key, column: `${table}.${columnName(field, key)}` });
    }
  }
  return found;
}
