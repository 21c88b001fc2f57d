/** Django's teardown of a model: its fields removed one by one right before the model itself is deleted. */
import type { MigrationRuleContext, OperationVisit } from '../types.js';

/**
 * True when a later operation of the same migration deletes the model this visit touches (on the
 * database too). makemigrations writes a RemoveField for each relation of a model before its
 * DeleteModel; the column goes with the table, so the table drop (delete-model) is the risk to report.
 */
export function modelDeletedLaterInMigration(ctx: Pick<MigrationRuleContext, 'visits'>, visit: OperationVisit): boolean {
  if (!visit.model || !visit.dbEffective) return false;
  const start = ctx.visits.indexOf(visit);
  if (start === -1) return false;
  for (let index = start + 1; index < ctx.visits.length; index++) {
    const later = ctx.visits[index]!;
    if (later.dbEffective && later.op.type === 'DeleteModel' && later.model === visit.model) return true;
    // Recreated under the same name in between: the DeleteModel is about another table.
    if (later.dbEffective && later.op.type === 'CreateModel' && later.model === visit.model) return false;
  }
  return false;
}
