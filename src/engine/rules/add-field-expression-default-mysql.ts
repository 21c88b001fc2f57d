import { defineRule } from './types.js';
import { dbDefault } from './_lib/fields.js';
import { describeValue } from './_lib/values.js';
import { databaseName } from './_lib/databases.js';
import { isLiteralDbDefault } from './_lib/defaults.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const addNullable: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: ['migrations.AddField(', '    model_name="order",', '    name="placed_at",', '    field=models.DateTimeField(null=True),', '),'],
};

const setDefault: MigrationFileSpec = {
  imports: ['from django.db import migrations, models', 'from django.db.models.functions import Now'],
  dependsOn: '0042_order_placed_at',
  operations: ['migrations.AlterField(', '    model_name="order",', '    name="placed_at",', '    field=models.DateTimeField(null=True, db_default=Now()),', '),'],
};

const backfill: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  preamble: [
    'def fill_placed_at(apps, schema_editor):',
    '    with schema_editor.connection.cursor() as cursor:',
    '        while True:',
    '            cursor.execute("UPDATE shop_order SET placed_at = created_at WHERE placed_at IS NULL LIMIT 5000")',
    '            if cursor.rowcount == 0:',
    '                break',
  ].join('\n'),
  nonAtomicBecause: 'each batch commits on its own',
  dependsOn: '0043_order_placed_at_default',
  operations: ['migrations.RunPython(fill_placed_at, migrations.RunPython.noop, atomic=False),'],
};

export default defineRule({
  id: 'add-field-expression-default-mysql',
  severity: 'warning',
  databases: { mysql: '*', mariadb: '*' },
  category: 'locking',
  risk: 'rewrite',
  summary: 'AddField with an expression db_default (Now(), a function) makes MySQL/MariaDB rebuild the table instead of adding the column instantly.',
  messages: {
    expressionDefaultRebuild:
      'AddField `{{field}}` on `{{model}}` has the expression db_default `{{value}}`: {{database}} cannot add such a column instantly and rebuilds the whole table, blocking writes while it copies.',
  },
  why: [
    'MySQL 8.0.12+ and MariaDB 10.3.2+ add a column with a **literal** default instantly (ALGORITHM=INSTANT, metadata',
    'only). Django writes any non-literal `db_default` (`Now()`, `Lower(...)`, arithmetic, custom functions) as a',
    'parenthesised expression default, `DEFAULT (CURRENT_TIMESTAMP(6))`. The server must evaluate that expression',
    'for every existing row, so the ALTER falls back to a table rebuild: the table is copied, concurrent writes are',
    'blocked for the copy, and the exclusive metadata lock at start and end waits behind any long transaction.',
    'MySQL and MariaDB have no transactional DDL, so a failure midway leaves the column half-added.',
  ].join('\n'),
  safeAlternative: [
    'Add the column without the expression, attach the default afterwards (metadata-only for new rows), and fill',
    'existing rows in batches:',
    '',
    '1. Add a nullable column with no default (instant):',
    '',
    migrationFile('shop/migrations/0042_order_placed_at.py', addNullable),
    '',
    '2. Attach the expression default; `ALTER COLUMN … SET DEFAULT` changes only the column definition:',
    '',
    migrationFile('shop/migrations/0043_order_placed_at_default.py', setDefault),
    '',
    '3. Backfill existing rows in committed batches:',
    '',
    migrationFile('shop/migrations/0044_fill_order_placed_at.py', backfill),
    '',
    'Check with `ALTER TABLE shop_order ADD COLUMN … , ALGORITHM=INSTANT;` on a staging copy if unsure: MySQL refuses',
    'with an error instead of silently rebuilding. For very large tables use an online schema change tool',
    '(gh-ost, pt-online-schema-change) instead of step 1–3.',
    '',
    'Verify: `SELECT count(*) FROM shop_order WHERE placed_at IS NULL;` returns 0 after step 3.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` removes the default and the column.',
  ].join('\n'),
  links: ['https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html', 'https://docs.djangoproject.com/en/stable/ref/models/fields/#db-default'],
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      const value = dbDefault(op.field);
      if (!value || isLiteralDbDefault(value)) return;
      ctx.report({
        messageId: 'expressionDefaultRebuild',
        op, arg: 'field',
        data: { field: op.name ?? 'unknown', model: modelLabel(visit), value: describeValue(value), database: databaseName(ctx.settings.database) },
      });
    });
  },
  cases: {
    bad: [
      {
        name: 'Now() as db_default on MySQL',
        code: `from django.db import migrations, models
from django.db.models.functions import Now


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="placed_at",
            field=models.DateTimeField(db_default=Now()),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_placed_at.py',
        settings: { database: 'mysql', databaseVersion: '8.0.36' },
        expect: [{ messageId: 'expressionDefaultRebuild', line: 12 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: nullable column', code: migrationSource(addNullable), path: 'shop/migrations/0042_order_placed_at.py', settings: { database: 'mysql' } },
      { name: 'safe alternative step 2: default attached to the existing column', code: migrationSource(setDefault), path: 'shop/migrations/0043_order_placed_at_default.py', settings: { database: 'mysql' } },
      {
        name: 'literal db_default is instant',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="status",
            field=models.CharField(max_length=16, db_default="new"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_status.py',
        settings: { database: 'mariadb' },
      },
      {
        name: 'expression default on a table created in the same migration',
        code: `from django.db import migrations, models
from django.db.models.functions import Now


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
            name="placed_at",
            field=models.DateTimeField(db_default=Now()),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
        settings: { database: 'mysql' },
      },
    ],
  },
});
