/** CHECK on PostgreSQL: added NOT VALID (no scan), validated in the next migration under SHARE UPDATE EXCLUSIVE. */
import { opSource, predictedStatements } from '../lib.js';
import { runSql, separate } from '../render.js';
import type { FixContext, FixRecipe, RecipePlan } from '../types.js';

const ADD_CHECK = /^ALTER TABLE ("[^"]+") ADD CONSTRAINT ("[^"]+") CHECK \(.+\)$/;

function plan(ctx: FixContext): RecipePlan | null {
  const statements = predictedStatements(ctx);
  if (typeof statements === 'string') return { noFix: `the CHECK's SQL is not known: ${statements}` };
  const match = statements.length === 1 ? ADD_CHECK.exec(statements[0]!.sql) : null;
  if (!match) return null;
  const [sql, table, name] = match;
  return {
    steps: [
      {
        slug: 'not_valid',
        release: 1,
        operations: [separate([runSql([`${sql} NOT VALID`], [`ALTER TABLE ${table} DROP CONSTRAINT ${name}`])], [opSource(ctx)])],
        note: 'adds the CHECK NOT VALID: new writes are checked at once, existing rows are not scanned',
      },
      {
        slug: 'validate',
        release: 1,
        operations: [runSql([`ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}`], null)],
        note: 'validates the CHECK: a scan under SHARE UPDATE EXCLUSIVE, reads and writes go on',
      },
    ],
  };
}

const recipe: FixRecipe = {
  id: 'check-not-valid',
  title: 'CHECK constraint NOT VALID, then VALIDATE',
  fixes: ['add-check-constraint'],
  operationTypes: ['AddConstraint'],
  databases: ['postgresql'],
  plan,
};

export default recipe;
