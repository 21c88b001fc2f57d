import { defineRule } from './types.js';
import { existingRowFill } from './_lib/defaults.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const addNullable: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: ['migrations.AddField(', '    model_name="order",', '    name="status",', '    field=models.CharField(max_length=16, null=True),', '),'],
};

const backfill: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  preamble: [
    'def fill_status(apps, schema_editor):',
    '    with schema_editor.connection.cursor() as cursor:',
    '        while True:',
    '            cursor.execute(',
    '                "UPDATE shop_order SET status = %s WHERE id IN "',
    '                "(SELECT id FROM shop_order WHERE status IS NULL LIMIT 5000)",',
    '                ["new"],',
    '            )',
    '            if cursor.rowcount == 0:',
    '                break',
  ].join('\n'),
  nonAtomicBecause: 'each batch commits on its own: no long table lock',
  dependsOn: '0042_order_status',
  operations: ['migrations.RunPython(fill_status, migrations.RunPython.noop),'],
};

const enforce: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  dependsOn: '0043_fill_order_status',
  operations: [
    'migrations.RunSQL(',
    '    sql="ALTER TABLE shop_order ADD CONSTRAINT shop_order_status_not_null CHECK (status IS NOT NULL) NOT VALID;",',
    '    reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT shop_order_status_not_null;",',
    '),',
  ],
};

const validate: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  dependsOn: '0044_order_status_check',
  operations: [
    'migrations.RunSQL(',
    '    sql="ALTER TABLE shop_order VALIDATE CONSTRAINT shop_order_status_not_null;",',
    '    reverse_sql=migrations.RunSQL.noop,',
    '),',
  ],
};

export default defineRule({
  id: 'add-field-default-rewrite-legacy-pg',
  severity: 'warning',
  databases: { postgresql: '<11' },
  category: 'locking',
  risk: 'rewrite',
  summary: 'On PostgreSQL before 11, AddField with any default rewrites the whole table under an ACCESS EXCLUSIVE lock.',
  messages: {
    defaultRewritesTable:
      'AddField `{{field}}` on `{{model}}` adds a column with a DEFAULT ({{value}}): PostgreSQL {{version}} (before 11) writes it into every row by rewriting the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes.',
  },
  why: [
    'Django adds a column with its default (`ADD COLUMN … DEFAULT <value>`) so existing rows get a value, then drops',
    'the default again. PostgreSQL 11 and later store such a constant default in the catalog without touching rows;',
    '**PostgreSQL 10 and earlier rewrite the whole table** to put the value in every row, holding ACCESS EXCLUSIVE',
    'for the whole rewrite: no reads, no writes, and the disk temporarily needs room for a second copy of the table',
    'and its indexes. This applies to any default Django fills in: `default=`, `db_default=`, a blank string',
    'field\'s `\'\'`, and `auto_now`.',
  ].join('\n'),
  safeAlternative: [
    'Add the column without a default, fill it in batches, and enforce NOT NULL with a validated CHECK constraint',
    '(on PostgreSQL 10 `SET NOT NULL` always scans under ACCESS EXCLUSIVE, so keep the column nullable in the',
    'schema and let the CHECK enforce it). Deploy in this order:',
    '',
    '1. Add the column as nullable, without a default (metadata-only):',
    '',
    migrationFile('shop/migrations/0042_order_status.py', addNullable),
    '',
    '2. Deploy code that always writes `status` (for example `default="new"` on the model field, which Django applies',
    '   in Python for new objects). Then fill the existing rows in committed batches:',
    '',
    migrationFile('shop/migrations/0043_fill_order_status.py', backfill),
    '',
    '3. Add the NOT NULL check without scanning (brief ACCESS EXCLUSIVE):',
    '',
    migrationFile('shop/migrations/0044_order_status_check.py', enforce),
    '',
    '4. Validate it in a separate migration (scans under SHARE UPDATE EXCLUSIVE: reads and writes continue):',
    '',
    migrationFile('shop/migrations/0045_validate_order_status_check.py', validate),
    '',
    'Verify: `SELECT convalidated FROM pg_constraint WHERE conname = \'shop_order_status_not_null\';` returns `t`.',
    'After upgrading to PostgreSQL 12+, `SET NOT NULL` uses the validated CHECK and skips the scan.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` drops the constraint and the column.',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/11/release-11.html', 'https://www.postgresql.org/docs/10/sql-altertable.html'],
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      const fill = existingRowFill(op.field);
      if (!fill) return;
      ctx.report({ messageId: 'defaultRewritesTable', op, arg: 'field', data: { field: op.name ?? 'unknown', model: modelLabel(visit), value: fill.value, version: ctx.settings.versionText } });
    });
  },
  cases: {
    bad: [
      {
        name: 'NOT NULL column with a default on PostgreSQL 10',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="status",
            field=models.CharField(default="new", max_length=16),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_status.py',
        settings: { database: 'postgresql', databaseVersion: '10.23' },
        expect: [{ messageId: 'defaultRewritesTable', line: 11 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: nullable without a default', code: migrationSource(addNullable), path: 'shop/migrations/0042_order_status.py', settings: { database: 'postgresql', databaseVersion: '10.23' } },
      { name: 'safe alternative step 3: CHECK NOT VALID', code: migrationSource(enforce), path: 'shop/migrations/0044_order_status_check.py', settings: { database: 'postgresql', databaseVersion: '10.23' } },
      {
        name: 'default on a table created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
        migrations.AddField(
            model_name="order",
            name="status",
            field=models.CharField(default="new", max_length=16),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
        settings: { database: 'postgresql', databaseVersion: '10.23' },
      },
    ],
  },
});
