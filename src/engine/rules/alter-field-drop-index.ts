import { defineRule } from './types.js';
import { addsPlainIndex, addsUniqueIndex } from './_lib/indexes.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, previousField, touchesExistingTable } from './_lib/tables.js';

const initial = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("status", models.CharField(db_index=True, max_length=16)),
                ("reference", models.CharField(max_length=32, unique=True)),
            ],
        ),
    ]
`;

const context = { 'shop/migrations/0001_initial.py': initial };

const dropConcurrently: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  nonAtomicBecause: 'DROP INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0001_initial',
  operations: [
    'migrations.SeparateDatabaseAndState(',
    '    database_operations=[',
    '        migrations.RunSQL(',
    '            # Django names the index <table>_<column>_<hash>; read the real names with \\d shop_order.',
    '            sql=[',
    '                "DROP INDEX CONCURRENTLY IF EXISTS shop_order_status_4d1c4a4b;",',
    '                "DROP INDEX CONCURRENTLY IF EXISTS shop_order_status_4d1c4a4b_like;",',
    '            ],',
    '            reverse_sql=[',
    '                "CREATE INDEX CONCURRENTLY IF NOT EXISTS shop_order_status_4d1c4a4b ON shop_order (status);",',
    '                "CREATE INDEX CONCURRENTLY IF NOT EXISTS shop_order_status_4d1c4a4b_like ON shop_order (status varchar_pattern_ops);",',
    '            ],',
    '        ),',
    '    ],',
    '    state_operations=[',
    '        migrations.AlterField(',
    '            model_name="order",',
    '            name="status",',
    '            field=models.CharField(max_length=16),',
    '        ),',
    '    ],',
    '),',
  ],
};

export default defineRule({
  id: 'alter-field-drop-index',
  severity: 'info',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'table-lock',
  summary: 'AlterField that turns db_index or unique off drops the index with a plain DROP, which takes a short ACCESS EXCLUSIVE lock.',
  messages: {
    dropIndexLocks:
      'AlterField `{{field}}` on `{{model}}` drops its {{kind}} with a plain DROP: the ACCESS EXCLUSIVE lock is short, but it waits behind every running query on the table and blocks everything queued after it.',
  },
  why: [
    'Turning `db_index` off makes Django run `DROP INDEX` (twice for text columns, with the `_like` index); turning',
    '`unique` off runs `ALTER TABLE … DROP CONSTRAINT`. Both need ACCESS EXCLUSIVE on the table. The drop itself is',
    'instant, but the lock request waits for every transaction already using the table, and every query that',
    'arrives meanwhile queues behind it — a long report query can turn this into a minutes-long outage.',
  ].join('\n'),
  safeAlternative: [
    'For a plain index, drop it concurrently in a non-atomic migration and record the field change in state only:',
    '',
    migrationFile('shop/migrations/0002_order_status_drop_index.py', dropConcurrently),
    '',
    'Look the index names up first: `SELECT indexname FROM pg_indexes WHERE tablename = \'shop_order\';`.',
    '',
    'A unique constraint cannot be dropped concurrently. Keep the plain AlterField, but run it with a short',
    '`lock_timeout` so it gives up instead of stalling the table, and retry:',
    '',
    '```bash',
    'PGOPTIONS="-c lock_timeout=3s" python manage.py migrate shop',
    '```',
    '',
    'Verify: `\\d shop_order` no longer lists the index; `makemigrations --check` reports no changes.',
    '',
    'Rollback: `python manage.py migrate shop 0001_initial` rebuilds the index concurrently (the reverse SQL above).',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/sql-dropindex.html'],
  operationTypes: ['AlterField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      const before = previousField(visit, ctx.migration.app);
      if (!before) return; // unknown earlier state: nothing to compare
      const after = op.field;
      let kind: string | undefined;
      if (addsUniqueIndex(before) && !addsUniqueIndex(after)) kind = 'unique constraint';
      else if (addsPlainIndex(before) && !addsPlainIndex(after) && !addsUniqueIndex(after)) kind = 'index';
      if (!kind) return;
      ctx.report({ messageId: 'dropIndexLocks', op, arg: 'field', data: { field: op.name ?? 'unknown', model: modelLabel(visit), kind } });
    });
  },
  cases: {
    bad: [
      {
        name: 'db_index and unique turned off',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(max_length=16),
        ),
        migrations.AlterField(
            model_name="order",
            name="reference",
            field=models.CharField(max_length=32),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_indexes.py',
        context,
        expect: [
          { messageId: 'dropIndexLocks', line: 11 },
          { messageId: 'dropIndexLocks', line: 16 },
        ],
      },
    ],
    good: [
      { name: 'safe alternative: concurrent drop, field change in state only', code: migrationSource(dropConcurrently), path: 'shop/migrations/0002_order_status_drop_index.py', context },
      {
        name: 'index kept (only max_length changes)',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(db_index=True, max_length=32),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_status_length.py',
        context,
      },
      {
        name: 'model created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("status", models.CharField(db_index=True, max_length=16))],
        ),
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(max_length=16),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});
