import { defineRule } from './types.js';
import { addedSets, previousTogether, togetherSets } from './_lib/indexes.js';
import { touchesExistingTable } from './_lib/tables.js';

/** Exemplar rule: the shape every rule module follows. */
export default defineRule({
  id: 'add-index-non-concurrent',
  severity: 'warning',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'index-build',
  summary: 'AddIndex on an existing table blocks writes to it for the whole index build.',
  messages: {
    blocksWrites: 'AddIndex `{{index}}` on `{{model}}` builds the index with a SHARE lock: every INSERT, UPDATE and DELETE on the table waits until the build finishes.',
    togetherBlocksWrites: 'AlterIndexTogether on `{{model}}` builds a new index with a SHARE lock: writes to the table wait until the build finishes.',
  },
  why: [
    'PostgreSQL builds a plain `CREATE INDEX` while holding a SHARE lock on the table. Reads continue, but every',
    'write queues behind the build, which takes minutes on a large table. Inside the migration transaction the',
    'lock is held until the whole migration commits, and any statement that queues behind it queues too.',
  ].join('\n'),
  safeAlternative: [
    'Build the index concurrently, in a migration of its own that is not wrapped in a transaction:',
    '',
    '```python',
    'from django.contrib.postgres.operations import AddIndexConcurrently',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction',
    '',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        AddIndexConcurrently(',
    '            model_name="order",',
    '            index=models.Index(fields=["created_at"], name="shop_order_created_idx"),',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Keep the concurrent operation alone in its migration: if it fails, only that step needs a retry.',
    '2. A failed or cancelled build leaves an INVALID index behind. Before retrying, check',
    '   `SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;` and drop the leftover with',
    '   `DROP INDEX CONCURRENTLY IF EXISTS shop_order_created_idx;`.',
    '3. Raise `statement_timeout` for the session that runs it (the build can take long, but blocks no one).',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` runs `DROP INDEX CONCURRENTLY`, which does not block writes.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/contrib/postgres/operations/#concurrent-index-operations'],
  operationTypes: ['AddIndex', 'AlterIndexTogether'],
  check(ctx) {
    ctx.each('AddIndex', (op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      const index = op.args['index'];
      const name = index?.kind === 'call' && index.kwargs['name']?.kind === 'str' ? index.kwargs['name'].value : 'unnamed';
      ctx.report({ messageId: 'blocksWrites', op, arg: 'index', data: { index: name, model: op.model ?? visit.model } });
    });
    ctx.each('AlterIndexTogether', (op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      const after = togetherSets(op.args['index_together']);
      if (!after) return;
      // With the earlier state known, only newly added sets build an index; removals are remove-index-non-concurrent's.
      const before = previousTogether(ctx, visit, 'index_together');
      const adds = before ? addedSets(before, after).length > 0 : after.length > 0;
      if (adds) ctx.report({ messageId: 'togetherBlocksWrites', op, arg: 'index_together', data: { model: op.model ?? visit.model } });
    });
  },
  cases: {
    bad: [
      {
        name: 'index on an existing table',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["created_at"], name="shop_order_created_idx"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_created_idx.py',
        expect: [{ messageId: 'blocksWrites', line: 10 }],
      },
    ],
    good: [
      {
        name: 'concurrent build in a non-atomic migration',
        code: `from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0001_initial")]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["created_at"], name="shop_order_created_idx"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_created_idx.py',
      },
      {
        name: 'index on a table created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("created_at", models.DateTimeField())],
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["created_at"], name="shop_order_created_idx"),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});
