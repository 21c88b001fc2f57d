/**
 * RenameField as expand-contract: a new column next to the old one, the code writing both, a
 * batched copy, reads switched to the new field, the old field removed from the state, then its
 * column dropped. Four releases; no server ever queries a column that is not there.
 */
import type { FieldDef } from '../../types.js';
import { backfillStep, batchedFunction, column, fieldImports, fieldOperation, fieldSource, identifier, modelBefore, notNullSteps, pgVersionAtLeast, q, str, table } from '../lib.js';
import { runSql, separate } from '../render.js';
import type { FixContext, FixRecipe, FixStep, RecipePlan } from '../types.js';

function isTrue(field: FieldDef, name: string): boolean {
  const value = field.kwargs[name];
  return value?.kind === 'bool' && value.value;
}

/** Why the old field cannot simply be copied to a new column, if it cannot. */
function obstacle(field: FieldDef, name: string, options: unknown): string | null {
  if (field.kwargs['to'] || field.type === 'ManyToManyField') return 'the field is a relation: its constraint and index would need their own recipe';
  if (isTrue(field, 'primary_key') || isTrue(field, 'unique') || isTrue(field, 'db_index')) return 'the field is a key or indexed: the copy would need its index built concurrently first';
  if (field.kwargs['db_column']) return 'the field sets db_column: rename it in the state only (SeparateDatabaseAndState), the column keeps its name';
  if (JSON.stringify(options).includes(`"${name}"`)) return "the field is named in the model's options (indexes, constraints, unique_together…)";
  return null;
}

function plan(ctx: FixContext): RecipePlan | null {
  const { op } = ctx;
  const oldName = str(op.args['old_name']);
  const newName = str(op.args['new_name']);
  const model = modelBefore(ctx);
  const field = model && oldName ? model.fields.get(oldName.toLowerCase()) : undefined;
  if (!model || !field || !oldName || !newName || !op.model) return null;
  const blocked = obstacle(field, oldName, model.options);
  if (blocked) return { noFix: blocked };
  const oldColumn = column(ctx, model, oldName, field);
  if (!oldColumn) return { noFix: 'the column type of the field is not known' };
  const tableName = table(ctx, model);
  const imports = fieldImports(field);
  const notNull = !isTrue(field, 'null');
  const add: FixStep = { slug: 'add_new', release: 1, imports, operations: [fieldOperation('AddField', op.model, newName, fieldSource(field, { null: 'True' }))], note: `adds \`${newName}\` as a nullable copy of \`${oldName}\`` };
  const fnName = identifier('copy', model.name, oldName, 'to', newName);
  const fn = batchedFunction(fnName, ctx.migration.app, model.name, [`manager.filter(pk__in=pks).update(${newName}=models.F(${JSON.stringify(oldName)}))`]);
  const copy = backfillStep(fn, fnName, 2, `copies \`${oldName}\` into \`${newName}\`, 1000 rows per transaction`);
  const finalField = fieldOperation('AlterField', op.model, newName, fieldSource(field));
  let middle: FixStep[] = [copy];
  if (notNull && ctx.target.database === 'postgresql' && pgVersionAtLeast(ctx, 12)) middle = notNullSteps(ctx, tableName, newName, 2, [copy], [finalField]);
  else if (notNull) middle = [copy, { slug: 'set_not_null', release: 2, imports, operations: [finalField], note: `makes \`${newName}\` NOT NULL like \`${oldName}\`` }];
  const t = q(ctx, tableName);
  const c = q(ctx, oldColumn.name);
  const relax = notNull
    ? ctx.target.database === 'postgresql'
      ? [runSql([`ALTER TABLE ${t} ALTER COLUMN ${c} DROP NOT NULL`], [`ALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL`])]
      : [fieldOperation('AlterField', op.model, oldName, fieldSource(field, { null: 'True' }))]
    : [];
  const removeOld: FixStep = {
    slug: 'remove_old_state',
    release: 3,
    imports,
    operations: [separate(relax, [fieldOperation('RemoveField', op.model, oldName)])],
    note: `removes \`${oldName}\` from the state${notNull ? ' and drops its NOT NULL, so code that no longer sets it can insert' : ''}; the column stays`,
  };
  const drop: FixStep = {
    slug: 'drop_old',
    release: 4,
    operations: [runSql([`ALTER TABLE ${t} DROP COLUMN ${c}${ctx.target.database === 'postgresql' ? ' CASCADE' : ''}`], [`ALTER TABLE ${t} ADD COLUMN ${c} ${oldColumn.dbType} NULL`])],
    note: `drops the old column \`${oldColumn.name}\``,
  };
  return {
    steps: [add, ...middle, removeOld, drop],
    codeSteps: [
      { release: 1, text: `declare \`${newName}\` (nullable) next to \`${oldName}\` and write both on every save (e.g. \`self.${newName} = self.${oldName}\` in save()); keep reading \`${oldName}\`` },
      { release: 2, text: `read \`${newName}\` everywhere; keep writing both` },
      { release: 3, text: `delete \`${oldName}\` from the model; write \`${newName}\` only` },
      { release: 4, text: 'nothing to change: the old column is dropped' },
    ],
  };
}

const recipe: FixRecipe = {
  id: 'rename-field-expand-contract',
  title: 'RenameField as expand-contract (new column, dual write, copy, switch reads, drop the old one)',
  fixes: ['rename-field'],
  operationTypes: ['RenameField'],
  databases: ['postgresql', 'mysql', 'mariadb'],
  plan,
};

export default recipe;
