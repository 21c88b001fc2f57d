/** AddIndex on PostgreSQL: AddIndexConcurrently in a migration of its own, outside a transaction. */
import { call } from '../render.js';
import { argSource } from '../lib.js';
import type { FixContext, FixRecipe, RecipePlan } from '../types.js';

function plan(ctx: FixContext): RecipePlan | null {
  const model = argSource(ctx, 'model_name');
  const index = argSource(ctx, 'index');
  if (!model || !index) return null;
  return {
    steps: [
      {
        slug: 'concurrently',
        release: 1,
        nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
        imports: ['from django.contrib.postgres.operations import AddIndexConcurrently'],
        operations: [call('AddIndexConcurrently', [['model_name', model], ['index', index]])],
        note: 'builds the index with CREATE INDEX CONCURRENTLY (SHARE UPDATE EXCLUSIVE: writes go on during the build)',
      },
    ],
  };
}

const recipe: FixRecipe = {
  id: 'add-index-concurrently',
  title: 'index built concurrently',
  fixes: ['add-index-non-concurrent', 'index-build-under-exclusive-lock'],
  operationTypes: ['AddIndex'],
  databases: ['postgresql'],
  plan,
};

export default recipe;
