import { defineRule } from './types.js';
import { dbDefault } from './_lib/fields.js';
import { asBool } from './_lib/values.js';
import { dbDefaultVolatility } from './_lib/defaults.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const addNullable: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: ['migrations.AddField(', '    model_name="order",', '    name="token",', '    field=models.UUIDField(null=True),', '),'],
};

const setDefault: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.functions import RandomUUID', 'from django.db import migrations, models'],
  dependsOn: '0042_order_token',
  operations: [
    // On an existing column SET DEFAULT only changes the catalog: existing rows keep NULL, no rewrite.
    'migrations.AlterField(',
    '    model_name="order",',
    '    name="token",',
    '    field=models.UUIDField(null=True, db_default=RandomUUID()),',
    '),',
  ],
};

const backfill: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  preamble: [
    'def fill_tokens(apps, schema_editor):',
    '    with schema_editor.connection.cursor() as cursor:',
    '        while True:',
    '            cursor.execute(',
    '                "UPDATE shop_order SET token = gen_random_uuid() WHERE id IN "',
    '                "(SELECT id FROM shop_order WHERE token IS NULL LIMIT 5000)"',
    '            )',
    '            if cursor.rowcount == 0:',
    '                break',
  ].join('\n'),
  nonAtomicBecause: 'each UPDATE commits on its own: short row locks, no table lock',
  dependsOn: '0043_order_token_default',
  operations: ['migrations.RunPython(fill_tokens, migrations.RunPython.noop),'],
};

export default defineRule({
  id: 'add-field-volatile-db-default',
  severity: 'warning',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'rewrite',
  summary: 'AddField with a volatile db_default (RandomUUID(), Random()) or a stored GeneratedField rewrites the whole table on PostgreSQL.',
  messages: {
    volatileDefault:
      'AddField `{{field}}` on `{{model}}` uses the volatile db_default `{{function}}()`: PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE lock to compute a value for every row, blocking reads and writes.',
    unknownDefault:
      'AddField `{{field}}` on `{{model}}` uses the db_default `{{function}}()`, which migrate-help does not know: if the SQL function is volatile, PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE lock.',
    storedGenerated:
      'AddField `{{field}}` on `{{model}}` adds a stored GeneratedField: PostgreSQL computes it for every existing row by rewriting the table under an ACCESS EXCLUSIVE lock, blocking reads and writes.',
  },
  why: [
    'Since PostgreSQL 11, `ADD COLUMN … DEFAULT <constant>` only records the default in the catalog: no row is',
    'touched. That shortcut works only when the default is the same for every row. A **volatile** default',
    '(`gen_random_uuid()` from `RandomUUID()`, `random()` from `Random()`, or any VOLATILE SQL function) has to be',
    'evaluated per row, so PostgreSQL rewrites the table and all its indexes while holding ACCESS EXCLUSIVE: nothing',
    'can read or write the table until the rewrite and the rest of the migration transaction finish.',
    '',
    '`Now()` (STATEMENT_TIMESTAMP, stable) and literals are fine. A stored `GeneratedField(db_persist=True)` is',
    'computed for every row when added, which is the same rewrite.',
  ].join('\n'),
  safeAlternative: [
    'Add the column without a default, attach the default separately (applies to new rows only), and fill the',
    'existing rows in batches:',
    '',
    '1. Add the column as nullable, without a default (metadata-only):',
    '',
    migrationFile('shop/migrations/0042_order_token.py', addNullable),
    '',
    '2. Set the database default on the existing column; `ALTER COLUMN … SET DEFAULT` does not touch existing rows:',
    '',
    migrationFile('shop/migrations/0043_order_token_default.py', setDefault),
    '',
    '3. Fill the existing rows in small committed batches:',
    '',
    migrationFile('shop/migrations/0044_fill_order_token.py', backfill),
    '',
    '4. If the column must be NOT NULL, follow the CHECK … NOT VALID recipe of `alter-field-set-not-null`.',
    '',
    'For a stored generated column, add a plain nullable column instead, keep it in sync in code (or a trigger) and',
    'backfill it the same way; or accept the rewrite during a maintenance window.',
    '',
    'Verify: `SELECT count(*) FROM shop_order WHERE token IS NULL;` returns 0 after step 3.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` drops the default and the column; the backfill reverses as',
    'a no-op.',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES', 'https://docs.djangoproject.com/en/stable/ref/models/fields/#db-default'],
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      const field = op.field;
      const data = { field: op.name ?? 'unknown', model: modelLabel(visit) };
      if (field.type === 'GeneratedField') {
        if (asBool(field.kwargs['db_persist']) === true) ctx.report({ messageId: 'storedGenerated', op, arg: 'field', data });
        return;
      }
      const value = dbDefault(field);
      if (!value) return;
      const volatility = dbDefaultVolatility(value);
      if (volatility.kind === 'volatile') ctx.report({ messageId: 'volatileDefault', op, arg: 'field', data: { ...data, function: volatility.function } });
      else if (volatility.kind === 'unknown') ctx.report({ messageId: 'unknownDefault', op, arg: 'field', data: { ...data, function: volatility.function } });
    });
  },
  cases: {
    bad: [
      {
        name: 'RandomUUID() as db_default',
        code: `from django.contrib.postgres.functions import RandomUUID
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="token",
            field=models.UUIDField(db_default=RandomUUID()),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_token.py',
        expect: [{ messageId: 'volatileDefault', line: 12 }],
      },
      {
        name: 'custom database function and a stored generated column',
        code: `from django.db import migrations, models
from shop.functions import NextInvoiceNumber


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="invoice_number",
            field=models.IntegerField(db_default=NextInvoiceNumber()),
        ),
        migrations.AddField(
            model_name="order",
            name="total_with_tax",
            field=models.GeneratedField(
                expression=models.F("total") * 2,
                output_field=models.DecimalField(max_digits=12, decimal_places=2),
                db_persist=True,
            ),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_invoice_number.py',
        expect: [
          { messageId: 'unknownDefault', line: 12 },
          { messageId: 'storedGenerated', line: 17 },
        ],
      },
    ],
    good: [
      { name: 'safe alternative step 1: nullable column without a default', code: migrationSource(addNullable), path: 'shop/migrations/0042_order_token.py' },
      { name: 'safe alternative step 2: default set on the existing column', code: migrationSource(setDefault), path: 'shop/migrations/0043_order_token_default.py' },
      {
        name: 'stable Now() and a literal are stored without a rewrite',
        code: `from django.db import migrations, models
from django.db.models.functions import Now


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="created_at",
            field=models.DateTimeField(db_default=Now()),
        ),
        migrations.AddField(
            model_name="order",
            name="status",
            field=models.CharField(max_length=16, db_default="new"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_created_at.py',
      },
      {
        name: 'volatile default on a table created in the same migration',
        code: `from django.contrib.postgres.functions import RandomUUID
from django.db import migrations, models


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
            name="token",
            field=models.UUIDField(db_default=RandomUUID()),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});
