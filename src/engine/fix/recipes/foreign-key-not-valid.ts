/**
 * A nullable ForeignKey added on PostgreSQL: the column without constraint or index, the FOREIGN
 * KEY added NOT VALID (Django's name, DEFERRABLE INITIALLY DEFERRED as Django makes it), the index
 * built CONCURRENTLY, then the key validated in a migration of its own.
 */
import { argSource, fieldOperation, opSource, predictedStatements } from '../lib.js';
import { runSql, separate } from '../render.js';
import { withKeywords } from '../source.js';
import type { FixContext, FixRecipe, FixStep, RecipePlan } from '../types.js';
import { concurrentIndexSteps, isCreateIndex } from './field-index-concurrently.js';

const INLINE_FK = /^ALTER TABLE ("[^"]+") ADD COLUMN ("[^"]+") .* CONSTRAINT ("[^"]+") REFERENCES ("[^"]+")\(("[^"]+")\)( DEFERRABLE INITIALLY DEFERRED)?$/;

function plan(ctx: FixContext): RecipePlan | null {
  const { op } = ctx;
  const field = argSource(ctx, 'field');
  if (!field || !op.model || !op.name || !op.field?.kwargs['to']) return null;
  if (op.field.kwargs['null']?.kind !== 'bool' || !(op.field.kwargs['null'] as { value: boolean }).value) {
    return { noFix: 'the foreign key column is NOT NULL: add it nullable first (and backfill), then make it NOT NULL' };
  }
  const statements = predictedStatements(ctx);
  if (typeof statements === 'string') return { noFix: `the foreign key's SQL is not known: ${statements}` };
  const fk = statements.map((s) => INLINE_FK.exec(s.sql)).find((m) => m !== null);
  if (!fk) return null;
  const [, table, col, name, target, targetColumn, deferrable] = fk;
  const bare = withKeywords(field, { db_constraint: 'False', db_index: 'False' });
  if (!bare) return { noFix: 'the field definition is not a single call the fix can edit' };
  const indexes = statements.filter((s) => isCreateIndex(s.sql)).map((s) => s.sql);
  const addKey = `ALTER TABLE ${table} ADD CONSTRAINT ${name} FOREIGN KEY (${col}) REFERENCES ${target} (${targetColumn})${deferrable ?? ''} NOT VALID`;
  const add: FixStep = {
    slug: 'add_not_valid',
    release: 1,
    operations: [separate([fieldOperation('AddField', op.model, op.name, bare), runSql([addKey], [`ALTER TABLE ${table} DROP CONSTRAINT ${name}`])], [opSource(ctx)])],
    note: 'adds the column, and its FOREIGN KEY NOT VALID: new rows are checked, existing ones not scanned',
  };
  const validate: FixStep = {
    slug: 'validate',
    release: 1,
    operations: [runSql([`ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}`], null)],
    note: 'validates the foreign key: SHARE UPDATE EXCLUSIVE on the table, ROW SHARE on the referenced one; writes go on',
  };
  return { steps: [add, ...concurrentIndexSteps(indexes, (index) => `builds the foreign key index ${index} CONCURRENTLY`), validate] };
}

const recipe: FixRecipe = {
  id: 'foreign-key-not-valid',
  title: 'foreign key NOT VALID, index built concurrently, then VALIDATE',
  fixes: ['add-field-foreign-key', 'add-field-index', 'index-build-under-exclusive-lock'],
  operationTypes: ['AddField'],
  databases: ['postgresql'],
  plan,
};

export default recipe;
