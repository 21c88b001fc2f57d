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

/** True for operations that run DDL on an existing table: not state-only, not on a model created in this migration. */
export function touchesExistingTable(ctx: MigrationRuleContext, visit: OperationVisit): visit is OperationVisit & { model: string } {
  return visit.dbEffective && visit.model !== null && !ctx.isNewModel(visit.model, visit.op);
}
