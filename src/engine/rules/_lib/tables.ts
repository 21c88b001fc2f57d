/** The model and table an operation touches, and the field as it was before the operation. */
import type { FieldDef } from '../../types.js';
import type { MigrationRuleContext, OperationVisit } from '../types.js';

/** Model name for messages: as written in the operation, else the visit's lower-cased name. */
export function modelLabel(visit: OperationVisit): string {
  return visit.op.model ?? visit.op.oldName ?? visit.model ?? 'unknown model';
}

/** Field definition just before this operation, or undefined when earlier migrations were not read. */
export function previousField(visit: OperationVisit, app: string, fieldName: string | undefined = visit.op.name): FieldDef | undefined {
  const model = visit.op.model ?? visit.model;
  if (!model || !fieldName) return undefined;
  // Several AlterField rules ask this of the same visit: look the operation's own field up once.
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
 * True for operations with a database effect that are not on a model created in this migration,
 * including those whose model is not a literal (the table is then unknown but may well exist).
 */
export function mayTouchExistingTable(ctx: Pick<MigrationRuleContext, 'isNewModel'>, visit: OperationVisit): boolean {
  return visit.dbEffective && !(visit.model && ctx.isNewModel(visit.model, visit.op));
}

/** True for operations that run DDL on a known, existing table: not state-only, model known, not created in this migration. */
export function touchesExistingTable(ctx: Pick<MigrationRuleContext, 'isNewModel'>, visit: OperationVisit): visit is OperationVisit & { model: string } {
  return visit.dbEffective && visit.model !== null && !ctx.isNewModel(visit.model, visit.op);
}
