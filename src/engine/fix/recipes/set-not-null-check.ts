/** AlterField making a column NOT NULL on PostgreSQL 12+: a validated CHECK lets SET NOT NULL skip its scan. */
import { argSource, backfillStep, batchedFunction, column, identifier, modelBefore, notNullSteps, opSource, pgVersionAtLeast, predictedStatements, table } from '../lib.js';
import { keywordSource } from '../source.js';
import type { FixContext, FixRecipe, FixStep, RecipePlan } from '../types.js';

/** The statements Django runs for NULL → NOT NULL (with a default: fill the NULLs first). */
const NOT_NULL_PARTS = [/ SET NOT NULL$/, / SET DEFAULT .+$/, / DROP DEFAULT$/, /^UPDATE .+ IS NULL$/, /^SET CONSTRAINTS ALL IMMEDIATE$/];

function plan(ctx: FixContext): RecipePlan | null {
  const { op } = ctx;
  const statements = predictedStatements(ctx);
  if (typeof statements === 'string' || !statements.some((s) => / SET NOT NULL$/.test(s.sql))) return null;
  if (!statements.every((s) => NOT_NULL_PARTS.some((re) => re.test(s.sql)))) return null;
  if (!pgVersionAtLeast(ctx, 12)) return { noFix: 'before PostgreSQL 12, SET NOT NULL scans the table even with a validated CHECK: backfill, then run it in a quiet window' };
  const model = modelBefore(ctx);
  const field = argSource(ctx, 'field');
  const col = model && op.field && op.name ? column(ctx, model, op.name, op.field) : undefined;
  if (!model || !field || !col || !op.name) return null;
  const defaultSource = keywordSource(field, 'default');
  const between: FixStep[] = [];
  if (statements.some((s) => s.sql.startsWith('UPDATE ')) && defaultSource) {
    const name = identifier('backfill', model.name, op.name);
    const fn = batchedFunction(name, ctx.migration.app, model.name, [`manager.filter(pk__in=pks, ${op.name}__isnull=True).update(${op.name}=${defaultSource})`]);
    between.push(backfillStep(fn, name, 1, `fills the NULLs of \`${op.name}\` with the default, 1000 rows per transaction`));
  }
  return {
    steps: notNullSteps(ctx, table(ctx, model), col.name, 1, between, [opSource(ctx)]),
    codeSteps: [{ release: 1, text: `make sure the running code never writes NULL into \`${op.name}\` before this release: the NOT VALID check rejects such writes at once` }],
  };
}

const recipe: FixRecipe = {
  id: 'set-not-null-check',
  title: 'SET NOT NULL through a validated CHECK (PostgreSQL 12+)',
  fixes: ['alter-field-set-not-null', 'alter-field-not-null-backfill-in-migration'],
  operationTypes: ['AlterField'],
  databases: ['postgresql'],
  plan,
};

export default recipe;
