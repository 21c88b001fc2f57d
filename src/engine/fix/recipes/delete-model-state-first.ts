/** DeleteModel in two releases: the model leaves the state (the code stops using it), the table is dropped in the next release. */
import { modelBefore, predictedStatements, opSource } from '../lib.js';
import { runSql, separate } from '../render.js';
import type { FixContext, FixRecipe, RecipePlan } from '../types.js';

function plan(ctx: FixContext): RecipePlan | null {
  const name = ctx.op.model ?? (ctx.op.args['name']?.kind === 'str' ? ctx.op.args['name'].value : undefined);
  const model = modelBefore(ctx, name);
  if (!model || !name) return null;
  const statements = predictedStatements(ctx);
  if (typeof statements === 'string') return { noFix: `the drop's SQL is not known: ${statements}` };
  return {
    steps: [
      { slug: 'state', release: 1, operations: [separate([], [opSource(ctx)])], note: `removes the model \`${model.name}\` from the migration state only; the table stays` },
      {
        slug: 'drop_table',
        release: 2,
        operations: [runSql(statements.map((s) => s.sql), null)],
        note: 'drops the table (unapplying it does not bring the table or its rows back: restore from a backup)',
      },
    ],
    codeSteps: [
      { release: 1, text: `delete the model \`${model.name}\` and every use of it (imports, querysets, foreign keys to it, admin)` },
      { release: 2, text: 'nothing to change: the table is dropped once no server runs code that queries it' },
    ],
  };
}

const recipe: FixRecipe = {
  id: 'delete-model-state-first',
  title: 'DeleteModel: state first, drop the table in the next release',
  fixes: ['delete-model'],
  operationTypes: ['DeleteModel'],
  databases: ['postgresql', 'mysql', 'mariadb'],
  plan,
};

export default recipe;
