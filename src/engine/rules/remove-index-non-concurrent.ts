import { defineRule } from './types.js';
import { asString } from './_lib/values.js';
import { previousTogether, togetherSets } from './_lib/indexes.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const concurrent: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.operations import RemoveIndexConcurrently', 'from django.db import migrations'],
  nonAtomicBecause: 'DROP INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0041_previous',
  operations: ['RemoveIndexConcurrently(', '    model_name="order",', '    name="shop_order_created_idx",', '),'],
};

export default defineRule({
  id: 'remove-index-non-concurrent',
  severity: 'info',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'table-lock',
  summary: 'RemoveIndex (or AlterIndexTogether dropping a set) runs DROP INDEX, which waits for an ACCESS EXCLUSIVE lock on the table.',
  messages: {
    dropIndexLocks:
      'RemoveIndex `{{index}}` on `{{model}}` runs a plain DROP INDEX: it needs an ACCESS EXCLUSIVE lock, so it waits behind every running query on the table and blocks everything queued after it.',
    togetherDropLocks:
      'AlterIndexTogether on `{{model}}` drops an index with a plain DROP INDEX: it needs an ACCESS EXCLUSIVE lock, so it waits behind every running query on the table and blocks everything queued after it.',
  },
  why: [
    '`DROP INDEX` is quick once it runs, but it takes ACCESS EXCLUSIVE on the table the index belongs to. The request',
    'queues behind every transaction that already touched the table, and every query that arrives afterwards queues',
    'behind the request: one slow report query is enough to stall all reads and writes on the table. Inside the',
    'migration transaction the lock is then held until the whole migration commits.',
  ].join('\n'),
  safeAlternative: [
    'Drop the index concurrently, alone in a non-atomic migration:',
    '',
    migrationFile('shop/migrations/0042_remove_order_created_idx.py', concurrent),
    '',
    '`DROP INDEX CONCURRENTLY` waits for running transactions without blocking new reads or writes. For an',
    '`index_together` set, replace AlterIndexTogether with `SeparateDatabaseAndState`: a `RunSQL("DROP INDEX',
    'CONCURRENTLY IF EXISTS <name>;")` as the database operation and the AlterIndexTogether as the state operation',
    '(look the name up with `SELECT indexname FROM pg_indexes WHERE tablename = \'shop_order\';`).',
    '',
    'Verify: `\\d shop_order` no longer lists the index.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` rebuilds it with `CREATE INDEX CONCURRENTLY`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/contrib/postgres/operations/#concurrent-index-operations', 'https://www.postgresql.org/docs/current/sql-dropindex.html'],
  operationTypes: ['RemoveIndex', 'AlterIndexTogether'],
  check(ctx) {
    ctx.each('RemoveIndex', (op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      ctx.report({ messageId: 'dropIndexLocks', op, data: { index: asString(op.args['name']) ?? 'unnamed', model: modelLabel(visit) } });
    });
    ctx.each('AlterIndexTogether', (op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      const after = togetherSets(op.args['index_together']);
      if (!after) return;
      const before = previousTogether(ctx, visit, 'index_together');
      const keep = new Set(after.map((set) => set.join(',')));
      // Unknown earlier state: makemigrations only writes AlterIndexTogether on a change, so an empty value drops sets.
      const drops = before ? before.some((set) => !keep.has(set.join(','))) : after.length === 0;
      if (drops) ctx.report({ messageId: 'togetherDropLocks', op, arg: 'index_together', data: { model: modelLabel(visit) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'RemoveIndex on an existing table',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RemoveIndex(
            model_name="order",
            name="shop_order_created_idx",
        ),
        migrations.AlterIndexTogether(
            name="product",
            index_together=set(),
        ),
    ]
`,
        path: 'shop/migrations/0042_remove_order_created_idx.py',
        expect: [
          { messageId: 'dropIndexLocks', line: 8 },
          { messageId: 'togetherDropLocks', line: 14 },
        ],
      },
    ],
    good: [
      { name: 'safe alternative: RemoveIndexConcurrently', code: migrationSource(concurrent), path: 'shop/migrations/0042_remove_order_created_idx.py' },
      {
        name: 'index removed from a model created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("created", models.DateTimeField())],
            options={"indexes": [models.Index(fields=["created"], name="shop_order_created_idx")]},
        ),
        migrations.RemoveIndex(
            model_name="order",
            name="shop_order_created_idx",
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});
