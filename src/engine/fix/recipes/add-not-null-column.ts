/** AddField NOT NULL: nullable column first, the code fills it, a batched backfill, then NOT NULL. */
import { argSource, backfillStep, batchedFunction, column, fieldOperation, identifier, modelBefore, notNullSteps, pgVersionAtLeast, table } from '../lib.js';
import { keywordSource, withKeywords } from '../source.js';
import type { FixContext, FixRecipe, FixStep, RecipePlan } from '../types.js';

/** A default that is a plain value is written with one UPDATE per batch; a callable needs a value per row. */
function isConstant(source: string): boolean {
  return /^(?:-?[\d.]+|True|False|None|"[^"]*"|'[^']*'|\[\]|\{\}|\(\))$/.test(source.trim());
}

function backfillFunction(ctx: FixContext, fieldName: string, defaultSource: string): { name: string; fn: string } {
  const model = ctx.op.model!;
  const name = identifier('backfill', model, fieldName);
  const modelName = ctx.before.model(ctx.migration.app, model)?.name ?? model;
  const batch = isConstant(defaultSource)
    ? [`manager.filter(pk__in=pks, ${fieldName}__isnull=True).update(${fieldName}=${defaultSource})`]
    : [
        `objects = list(manager.filter(pk__in=pks, ${fieldName}__isnull=True))`,
        'for obj in objects:',
        `    obj.${fieldName} = default() if callable(default) else default`,
        `manager.bulk_update(objects, [${JSON.stringify(fieldName)}])`,
      ];
  const setup = isConstant(defaultSource) ? [] : [`default = ${defaultSource}`];
  return { name, fn: batchedFunction(name, ctx.migration.app, modelName, batch, setup) };
}

function plan(ctx: FixContext): RecipePlan | null {
  const { op } = ctx;
  const field = argSource(ctx, 'field');
  const model = modelBefore(ctx);
  if (!op.field || !op.name || !op.model || !field || !model) return null;
  const defaultSource = keywordSource(field, 'default');
  if (!defaultSource) return { noFix: `the field has no default to fill the existing rows with: give \`${op.name}\` a default (or make it nullable) and run fix again` };
  const nullable = withKeywords(field, { null: 'True' });
  if (!nullable) return { noFix: 'the field definition is not a single call the fix can edit' };
  const preserve = argSource(ctx, 'preserve_default');
  const extra: Array<[string, string]> = preserve ? [['preserve_default', preserve]] : [];
  const backfill = backfillFunction(ctx, op.name, defaultSource);
  const add: FixStep = {
    slug: 'add_nullable',
    release: 1,
    operations: [fieldOperation('AddField', op.model, op.name, nullable, extra)],
    note: `adds \`${op.name}\` as a nullable column (existing rows get the default when it is a constant; no long lock)`,
  };
  const fill = backfillStep(backfill.fn, backfill.name, 2, `fills \`${op.name}\` where it is still NULL, ${1000} rows per transaction`);
  const finalState = fieldOperation('AlterField', op.model, op.name, field, extra);
  const after = ctx.after.model(ctx.migration.app, op.model) ?? model;
  const columnName = column(ctx, after, op.name, op.field, ctx.after)?.name;
  const codeSteps = [
    { release: 1, text: `declare \`${op.name}\` with \`null=True\` (keep its default) so every new row gets a value while the old code still runs` },
    { release: 2, text: 'declare the field as in the original migration (NOT NULL)' },
  ];
  if (ctx.target.database === 'postgresql' && pgVersionAtLeast(ctx, 12) && columnName) {
    return { steps: [add, ...notNullSteps(ctx, table(ctx, after), columnName, 2, [fill], [finalState])], codeSteps };
  }
  const alter: FixStep = { slug: 'set_not_null', release: 2, operations: [finalState], note: `makes \`${op.name}\` NOT NULL (${ctx.target.database === 'postgresql' ? 'a scan under ACCESS EXCLUSIVE before PostgreSQL 12' : 'an in-place ALTER'})` };
  return { steps: [add, fill, alter], codeSteps };
}

const recipe: FixRecipe = {
  id: 'add-not-null-column',
  title: 'NOT NULL column: nullable add, batched backfill, then NOT NULL',
  fixes: ['add-field-not-null-without-db-default'],
  operationTypes: ['AddField'],
  databases: ['postgresql', 'mysql', 'mariadb'],
  plan,
};

export default recipe;
