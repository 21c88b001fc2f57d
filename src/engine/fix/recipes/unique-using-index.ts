/**
 * UNIQUE on PostgreSQL: the unique index built CONCURRENTLY (no lock on writes), then the
 * constraint attached with ADD CONSTRAINT … UNIQUE USING INDEX (a catalog change), same name as
 * Django's. Covers AddConstraint(UniqueConstraint(fields=…)), unique_together and unique=True.
 */
import { opSource, predictedStatements } from '../lib.js';
import { runSql, separate } from '../render.js';
import type { FixContext, FixRecipe, FixStep, RecipePlan } from '../types.js';
import { concurrentIndexSteps, isCreateIndex } from './field-index-concurrently.js';

const ADD_UNIQUE = /^ALTER TABLE ("[^"]+") ADD CONSTRAINT ("[^"]+") UNIQUE (\(.+\))$/;

function plan(ctx: FixContext): RecipePlan | null {
  const statements = predictedStatements(ctx);
  if (typeof statements === 'string') return { noFix: `the constraint's statements are not known: ${statements}` };
  const uniques = statements.map((s) => ADD_UNIQUE.exec(s.sql)).filter((m): m is RegExpExecArray => m !== null);
  const indexes = statements.filter((s) => isCreateIndex(s.sql)).map((s) => s.sql);
  if (uniques.length === 0 || uniques.length + indexes.length !== statements.length) return null;
  const built = uniques.map(([, table, name, columns]) => `CREATE UNIQUE INDEX ${name} ON ${table} ${columns}`);
  const attach: FixStep = {
    slug: 'attach',
    release: 1,
    operations: [
      separate(
        [runSql(uniques.map(([, table, name]) => `ALTER TABLE ${table} ADD CONSTRAINT ${name} UNIQUE USING INDEX ${name}`), uniques.map(([, table, name]) => `ALTER TABLE ${table} DROP CONSTRAINT ${name}`))],
        [opSource(ctx)],
      ),
    ],
    note: 'turns the index into the UNIQUE constraint (USING INDEX: no scan, a brief ACCESS EXCLUSIVE)',
  };
  const builds = concurrentIndexSteps([...built, ...indexes], (name) => `builds ${name} CONCURRENTLY, the index Django's constraint would have (writes go on)`);
  return { steps: [...builds.map((step) => ({ ...step, slug: 'unique_index' })), attach] };
}

const recipe: FixRecipe = {
  id: 'unique-using-index',
  title: 'unique constraint from a concurrently built index',
  fixes: ['add-unique-constraint', 'alter-field-add-unique', 'index-build-under-exclusive-lock', 'alter-field-add-index'],
  operationTypes: ['AddConstraint', 'AlterUniqueTogether', 'AlterField'],
  databases: ['postgresql'],
  plan,
};

export default recipe;
