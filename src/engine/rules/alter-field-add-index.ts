import { defineRule } from './types.js';
import { addsPlainIndex, indexReason } from './_lib/indexes.js';
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
                ("status", models.CharField(max_length=16)),
            ],
        ),
    ]
`;

const context = { 'shop/migrations/0001_initial.py': initial };

const concurrent: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0001_initial',
  operations: [
    'migrations.SeparateDatabaseAndState(',
    '    database_operations=[',
    '        migrations.RunSQL(',
    '            sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS shop_order_status_idx ON shop_order (status);",',
    '            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_order_status_idx;",',
    '        ),',
    '    ],',
    '    state_operations=[',
    '        migrations.AlterField(',
    '            model_name="order",',
    '            name="status",',
    '            field=models.CharField(db_index=True, max_length=16),',
    '        ),',
    '    ],',
    '),',
  ],
};

const viaContrib: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.operations import AddIndexConcurrently', 'from django.db import migrations, models'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0001_initial',
  operations: ['AddIndexConcurrently(', '    model_name="order",', '    index=models.Index(fields=["status"], name="shop_order_status_idx"),', '),'],
};

export default defineRule({
  id: 'alter-field-add-index',
  severity: 'warning',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'index-build',
  summary: 'AlterField that turns db_index on builds the index with a plain CREATE INDEX, blocking writes for the whole build.',
  messages: {
    indexBlocksWrites:
      'AlterField `{{field}}` on `{{model}}` adds an index ({{reason}}): PostgreSQL builds it with a plain CREATE INDEX, so every INSERT, UPDATE and DELETE on the table waits until the build finishes.',
  },
  why: [
    'When an AlterField turns `db_index` on (or turns a plain column into a ForeignKey, which is indexed by default),',
    'Django runs `CREATE INDEX` — plus a `_like` index with `varchar_pattern_ops` for CharField/TextField. A plain',
    '`CREATE INDEX` holds a SHARE lock for the whole build: reads continue, but writes queue behind it, and inside',
    'the migration transaction the lock lasts until the migration commits.',
  ].join('\n'),
  safeAlternative: [
    'Keep `db_index` off on the field and declare the index in `Meta.indexes`, built concurrently in a non-atomic',
    'migration of its own:',
    '',
    migrationFile('shop/migrations/0002_order_status_idx.py', viaContrib),
    '',
    'If the model field must keep `db_index=True`, build the index in SQL yourself and record the field change in',
    'state only (Django finds the index by column later, so its name does not matter):',
    '',
    migrationFile('shop/migrations/0002_order_status_idx.py', concurrent),
    '',
    'A failed or cancelled build leaves an INVALID index: find it with',
    '`SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;`, drop it with',
    '`DROP INDEX CONCURRENTLY IF EXISTS shop_order_status_idx;` and retry.',
    '',
    'Verify: `\\d shop_order` lists `shop_order_status_idx`; `makemigrations --check` reports no changes.',
    '',
    'Rollback: `python manage.py migrate shop 0001_initial` drops the index concurrently.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/contrib/postgres/operations/#concurrent-index-operations'],
  operationTypes: ['AlterField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      if (!addsPlainIndex(op.field)) return;
      // Unknown earlier state: stay quiet (every AlterField of a ForeignKey would otherwise be reported).
      const before = previousField(visit, ctx.migration.app);
      if (!before || addsPlainIndex(before)) return;
      ctx.report({ messageId: 'indexBlocksWrites', op, arg: 'field', data: { field: op.name ?? 'unknown', model: modelLabel(visit), reason: indexReason(op.field) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'db_index turned on for an existing column',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(db_index=True, max_length=16),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_status_index.py',
        context,
        expect: [{ messageId: 'indexBlocksWrites', line: 11 }],
      },
    ],
    good: [
      { name: 'safe alternative: AddIndexConcurrently', code: migrationSource(viaContrib), path: 'shop/migrations/0002_order_status_idx.py', context },
      { name: 'safe alternative: concurrent SQL with the index in state only', code: migrationSource(concurrent), path: 'shop/migrations/0002_order_status_idx.py', context },
      {
        name: 'field already indexed (only max_length changes)',
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
        context: { 'shop/migrations/0001_initial.py': initial.replace('models.CharField(max_length=16)', 'models.CharField(db_index=True, max_length=16)') },
      },
      {
        name: 'index on a model created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("status", models.CharField(max_length=16))],
        ),
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(db_index=True, max_length=16),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});
