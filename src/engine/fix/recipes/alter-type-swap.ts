/**
 * A column type change on PostgreSQL without the table rewrite under ACCESS EXCLUSIVE: a shadow
 * column of the new type kept in step by a trigger, a batched copy, then one short transaction that
 * swaps the columns (drop the old, rename the shadow). The code only ever uses the column's own
 * name, so old and new servers work before and after the swap.
 */
import { backfillStep, batchedFunction, column, helperName, identifier, modelBefore, opSource, predictedStatements, q, table } from '../lib.js';
import type { Column } from '../../sql/index.js';
import { runSql, separate } from '../render.js';
import { pyString } from '../source.js';
import type { FixContext, FixRecipe, FixStep, RecipePlan } from '../types.js';

const TYPE_CHANGE = /^ALTER TABLE "[^"]+" ALTER COLUMN ("[^"]+") TYPE ([^,]+?)(?: USING .+)?$/;
/** Statements Django adds around a type change that the swap covers too. */
const COVERED = [/ SET NOT NULL$/, / DROP NOT NULL$/, /^SET CONSTRAINTS ALL IMMEDIATE$/];

function plain(col: Column): boolean {
  return !col.primaryKey && !col.unique && !col.dbIndex && !col.relation && !col.check;
}

function plan(ctx: FixContext): RecipePlan | null {
  const { op } = ctx;
  const statements = predictedStatements(ctx);
  if (typeof statements === 'string') return null;
  const change = statements.map((s) => TYPE_CHANGE.exec(s.sql)).find((m) => m !== null);
  if (!change) return null;
  if (!statements.every((s) => TYPE_CHANGE.test(s.sql) || COVERED.some((re) => re.test(s.sql)))) return { noFix: 'the AlterField changes more than the type and nullability' };
  const model = modelBefore(ctx);
  const after = ctx.after.model(ctx.migration.app, op.model ?? '');
  const oldField = model && op.name ? model.fields.get(op.name.toLowerCase()) : undefined;
  const oldCol = model && oldField && op.name ? column(ctx, model, op.name, oldField) : undefined;
  const newCol = after && op.field && op.name ? column(ctx, after, op.name, op.field, ctx.after) : undefined;
  if (!model || !oldCol || !newCol || !op.name) return { noFix: 'the old or new column is not known' };
  if (!plain(oldCol) || !plain(newCol) || oldCol.name !== newCol.name) return { noFix: 'the column is a key, indexed, a relation or renamed: the swap would have to rebuild those too' };
  const t = q(ctx, table(ctx, model));
  const c = q(ctx, oldCol.name);
  const shadowName = `${oldCol.name}_new`.slice(0, 63);
  const n = q(ctx, shadowName);
  const newType = change[2]!;
  const fn = q(ctx, helperName(table(ctx, model), [oldCol.name], '_sync'));
  const check = q(ctx, helperName(table(ctx, model), [shadowName], '_notnull'));
  const trigger = [
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.${n} := NEW.${c}::${newType}; RETURN NEW; END $$`,
    `CREATE TRIGGER ${fn} BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW EXECUTE PROCEDURE ${fn}()`,
  ];
  const shadow: FixStep = {
    slug: 'shadow_column',
    release: 1,
    operations: [separate([runSql([`ALTER TABLE ${t} ADD COLUMN ${n} ${newType} NULL`, ...trigger], [`DROP TRIGGER ${fn} ON ${t}`, `DROP FUNCTION ${fn}()`, `ALTER TABLE ${t} DROP COLUMN ${n}`])], [])],
    note: `adds the shadow column ${shadowName} (${newType}) and a trigger copying every write of ${oldCol.name} into it`,
  };
  const fnName = identifier('copy', model.name, op.name, 'to', shadowName);
  const update = `UPDATE ${t} SET ${n} = ${c}::${newType} WHERE {} = ANY(%s)`;
  const copy = backfillStep(
    batchedFunction(fnName, ctx.migration.app, model.name, ['with connection.cursor() as cursor:', `    cursor.execute(${pyString(update)}.format(connection.ops.quote_name(${model.name}._meta.pk.column)), [pks])`]),
    fnName,
    1,
    `copies the existing rows into ${shadowName}, 1000 per transaction`,
  );
  const steps: FixStep[] = [shadow, copy];
  const swapSql = [`DROP TRIGGER ${fn} ON ${t}`, `DROP FUNCTION ${fn}()`];
  if (!newCol.null) {
    steps.push({
      slug: 'check_not_valid',
      release: 1,
      operations: [runSql([`ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${n} IS NOT NULL) NOT VALID`], [`ALTER TABLE ${t} DROP CONSTRAINT ${check}`])],
      note: `adds CHECK (${shadowName} IS NOT NULL) NOT VALID`,
    });
    swapSql.unshift(`ALTER TABLE ${t} VALIDATE CONSTRAINT ${check}`, `ALTER TABLE ${t} ALTER COLUMN ${n} SET NOT NULL`, `ALTER TABLE ${t} DROP CONSTRAINT ${check}`);
  }
  swapSql.push(`ALTER TABLE ${t} DROP COLUMN ${c}`, `ALTER TABLE ${t} RENAME COLUMN ${n} TO ${c}`);
  const reverse = [
    `ALTER TABLE ${t} RENAME COLUMN ${c} TO ${n}`,
    `ALTER TABLE ${t} ALTER COLUMN ${n} DROP NOT NULL`,
    `ALTER TABLE ${t} ADD COLUMN ${c} ${oldCol.dbType} NULL`,
    `UPDATE ${t} SET ${c} = ${n}::${oldCol.dbType}`,
    ...(oldCol.null ? [] : [`ALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL`]),
    ...trigger,
  ];
  steps.push({
    slug: 'swap',
    release: 1,
    operations: [separate([runSql(swapSql, reverse)], [opSource(ctx)])],
    note: `${newCol.null ? '' : 'validates the check, sets NOT NULL (no scan), '}drops the trigger, drops the old column and renames the shadow to ${oldCol.name}: catalog changes only, in one short transaction`,
  });
  return { steps };
}

const recipe: FixRecipe = {
  id: 'alter-type-swap',
  title: 'column type change through a shadow column, a trigger, a copy and a swap',
  fixes: ['alter-field-type', 'alter-field-set-not-null'],
  operationTypes: ['AlterField'],
  databases: ['postgresql'],
  plan,
};

export default recipe;
