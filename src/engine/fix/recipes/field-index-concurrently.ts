/**
 * A field's index (db_index=True, a SlugField, the `_like` twin) on PostgreSQL: the column change
 * without the index, then the index statements Django would run, each made CONCURRENTLY, in a
 * non-atomic migration; the state change is the original operation, as written.
 */
import { argSource, fieldOperation, opSource, predictedStatements } from '../lib.js';
import { runSql, separate } from '../render.js';
import { withKeywords } from '../source.js';
import type { FixContext, FixRecipe, FixStep, RecipePlan } from '../types.js';

const CREATE_INDEX = /^CREATE (UNIQUE )?INDEX ("[^"]+") ON /;

/**
 * CREATE INDEX → CREATE INDEX CONCURRENTLY with the DROP INDEX CONCURRENTLY that undoes it, one
 * non-atomic migration per index (a failed concurrent build leaves an INVALID index to drop, and
 * Django records nothing of a half-applied non-atomic migration).
 */
export function concurrentIndexSteps(indexSql: readonly string[], note: (name: string) => string): FixStep[] {
  return indexSql.map((sql) => {
    const name = CREATE_INDEX.exec(sql)![2]!;
    return {
      slug: 'index_concurrently',
      release: 1,
      nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
      operations: [runSql([sql.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX CONCURRENTLY ')], [`DROP INDEX CONCURRENTLY IF EXISTS ${name}`])],
      note: note(name),
    };
  });
}

export function isCreateIndex(sql: string): boolean {
  return CREATE_INDEX.test(sql);
}

function plan(ctx: FixContext): RecipePlan | null {
  const { op } = ctx;
  const statements = predictedStatements(ctx);
  if (typeof statements === 'string') return { noFix: `the index statements are not known: ${statements}` };
  const indexes = statements.filter((s) => isCreateIndex(s.sql)).map((s) => s.sql);
  if (indexes.length === 0) return null;
  const note = (name: string) => `builds the index ${name} Django would build, CONCURRENTLY (writes go on)`;
  if (op.type === 'AlterField') {
    // Only an index added: the state change alone, then the concurrent build.
    if (indexes.length !== statements.length) return null;
    const state: FixStep = { slug: 'state', release: 1, operations: [separate([], [opSource(ctx)])], note: 'records the field change in the migration state (no SQL)' };
    return { steps: [state, ...concurrentIndexSteps(indexes, note)] };
  }
  const field = argSource(ctx, 'field');
  if (!field || !op.model || !op.name || op.field?.kwargs['to']) return null;
  const withoutIndex = withKeywords(field, { db_index: 'False' });
  if (!withoutIndex) return { noFix: 'the field definition is not a single call the fix can edit' };
  const add: FixStep = {
    slug: 'add_column',
    release: 1,
    operations: [separate([fieldOperation('AddField', op.model, op.name, withoutIndex)], [opSource(ctx)])],
    note: `adds the column \`${op.name}\` without its index`,
  };
  return { steps: [add, ...concurrentIndexSteps(indexes, note)] };
}

const recipe: FixRecipe = {
  id: 'field-index-concurrently',
  title: "a field's index built concurrently",
  fixes: ['add-field-index', 'alter-field-add-index', 'index-build-under-exclusive-lock'],
  operationTypes: ['AddField', 'AlterField'],
  databases: ['postgresql'],
  plan,
};

export default recipe;
