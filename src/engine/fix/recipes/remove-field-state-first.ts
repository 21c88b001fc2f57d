/**
 * RemoveField in two releases: the field leaves the state first (the code stops using it; a NOT
 * NULL column without a database default becomes nullable so the new code can insert), and the
 * column is dropped in the next release, once no server runs code that selects it.
 */
import { column, fieldImports, fieldOperation, fieldSource, modelBefore, opSource, predictedStatements, q, table } from '../lib.js';
import { runSql, separate } from '../render.js';
import type { FixContext, FixRecipe, FixStep, RecipePlan } from '../types.js';

/** What lets the new code insert rows without the column: DROP NOT NULL when it has no database default. */
function relaxNotNull(ctx: FixContext, tableName: string, columnName: string, fieldName: string): { ops: string[]; imports: string[] } {
  const model = modelBefore(ctx)!;
  const field = model.fields.get(fieldName.toLowerCase())!;
  const isNull = field.kwargs['null']?.kind === 'bool' && (field.kwargs['null'] as { value: boolean }).value;
  if (isNull || field.kwargs['db_default'] !== undefined) return { ops: [], imports: [] };
  if (ctx.target.database === 'postgresql') {
    const sql = `ALTER TABLE ${q(ctx, tableName)} ALTER COLUMN ${q(ctx, columnName)}`;
    return { ops: [runSql([`${sql} DROP NOT NULL`], [`${sql} SET NOT NULL`])], imports: [] };
  }
  return { ops: [fieldOperation('AlterField', ctx.op.model!, fieldName, fieldSource(field, { null: 'True' }))], imports: fieldImports(field) };
}

function plan(ctx: FixContext): RecipePlan | null {
  const { op } = ctx;
  const model = modelBefore(ctx);
  const field = model && op.name ? model.fields.get(op.name.toLowerCase()) : undefined;
  if (!model || !field || !op.name || !op.model) return null;
  if (field.type === 'ManyToManyField') return { noFix: 'a many-to-many field has a join table, not a column: drop it with a state-first DeleteModel of the through model' };
  const statements = predictedStatements(ctx);
  const col = column(ctx, model, op.name, field);
  if (typeof statements === 'string' || !col) return { noFix: `the drop's SQL is not known: ${typeof statements === 'string' ? statements : 'the column type is not known'}` };
  const tableName = table(ctx, model);
  const relax = relaxNotNull(ctx, tableName, col.name, op.name);
  const stateFirst: FixStep = {
    slug: 'state',
    release: 1,
    imports: relax.imports,
    operations: [separate(relax.ops, [opSource(ctx)])],
    note: `removes \`${op.name}\` from the migration state only${relax.ops.length > 0 ? ' and drops its NOT NULL, so code that no longer sets it can insert' : ''}; the column stays`,
  };
  const drop: FixStep = {
    slug: 'drop_column',
    release: 2,
    operations: [runSql(statements.map((s) => s.sql), [`ALTER TABLE ${q(ctx, tableName)} ADD COLUMN ${q(ctx, col.name)} ${col.dbType} NULL`])],
    note: `drops the column \`${col.name}\` (the reverse brings back an empty nullable column, not the data)`,
  };
  return {
    steps: [stateFirst, drop],
    codeSteps: [
      { release: 1, text: `remove \`${op.name}\` from the model and every use of it (querysets, forms, serializers, admin, raw SQL)` },
      { release: 2, text: 'nothing to change: the column is dropped once no server runs the release 1 code\'s predecessor' },
    ],
  };
}

const recipe: FixRecipe = {
  id: 'remove-field-state-first',
  title: 'RemoveField: state first, drop the column in the next release',
  fixes: ['remove-field', 'remove-field-not-null-unprepared'],
  operationTypes: ['RemoveField'],
  databases: ['postgresql', 'mysql', 'mariadb'],
  plan,
};

export default recipe;
