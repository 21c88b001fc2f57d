import { defineRule } from './types.js';
import { isAutoField } from './_lib/fields.js';
import { dbDefaultVolatility, existingRowFill } from './_lib/defaults.js';
import { addsUniqueIndex } from './_lib/indexes.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const addNullable: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: ['migrations.AddField(', '    model_name="order",', '    name="token",', '    field=models.UUIDField(null=True),', '),'],
};

const fillUnique: MigrationFileSpec = {
  imports: ['import uuid', '', 'from django.db import migrations, transaction'],
  preamble: [
    'def fill_tokens(apps, schema_editor):',
    '    Order = apps.get_model("shop", "Order")',
    '    while True:',
    '        with transaction.atomic():',
    '            batch = list(Order.objects.filter(token__isnull=True).values_list("pk", flat=True)[:1000])',
    '            if not batch:',
    '                break',
    '            for pk in batch:',
    '                Order.objects.filter(pk=pk, token__isnull=True).update(token=uuid.uuid4())',
  ].join('\n'),
  nonAtomicBecause: 'one short transaction per batch',
  dependsOn: '0042_order_token',
  operations: ['migrations.RunPython(fill_tokens, migrations.RunPython.noop),'],
};

const makeUnique: MigrationFileSpec = {
  imports: ['import uuid', '', 'from django.db import migrations, models'],
  dependsOn: '0043_fill_order_token',
  operations: [
    'migrations.AlterField(',
    '    model_name="order",',
    '    name="token",',
    '    field=models.UUIDField(default=uuid.uuid4, unique=True),',
    '),',
  ],
};

export default defineRule({
  id: 'add-field-unique-with-shared-default',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'locking',
  risk: 'failure',
  summary: 'A unique AddField with a default gives every existing row the same value, so the migration fails on any table with two rows.',
  messages: {
    sameValueForEveryRow:
      'AddField `{{field}}` on `{{model}}` is unique but fills every existing row with the same {{source}} ({{value}}): the migration fails with a unique violation as soon as the table holds two rows.',
  },
  why: [
    'When AddField adds a column to a table that already has rows, Django computes the default **once** and writes',
    'that one value into every existing row — even for a callable such as `uuid.uuid4` or `timezone.now`, which',
    'Django calls a single time at migration time. A non-null blank string field gets `\'\'`, and `auto_now` fields',
    'get the migration\'s timestamp. A constant `db_default` is the same value for every row too.',
    '',
    'With `unique=True` (or `primary_key=True`) the unique index build then meets duplicate values and the',
    'migration stops with `IntegrityError` (PostgreSQL: `could not create unique index`, MySQL: `Duplicate entry`).',
    'On MySQL and Oracle, which have no transactional DDL, the column may already exist when it fails, leaving the',
    'schema half-migrated. On an empty table (tests, fresh installs) it passes, so the failure appears only in',
    'staging or production.',
  ].join('\n'),
  safeAlternative: [
    "Django's documented three-migration recipe: add the column without `unique`, give each row its own value,",
    'then make it unique.',
    '',
    '1. Add the column as nullable, without `unique` and without a default:',
    '',
    migrationFile('shop/migrations/0042_order_token.py', addNullable),
    '',
    '2. Deploy code that sets `token` on new rows (or keep `default=uuid.uuid4` on the model field, which applies to',
    '   new objects). Then give every existing row its own value, in batches:',
    '',
    migrationFile('shop/migrations/0043_fill_order_token.py', fillUnique),
    '',
    '3. Make the column unique (and NOT NULL) once every row has a distinct value:',
    '',
    migrationFile('shop/migrations/0044_order_token_unique.py', makeUnique),
    '',
    'On a large PostgreSQL table, build the unique index of step 3 concurrently instead (see the recipe of',
    '`add-field-unique`), and make the column NOT NULL with the CHECK … NOT VALID recipe of `alter-field-set-not-null`.',
    '',
    'Verify before step 3: `SELECT token, count(*) FROM shop_order GROUP BY token HAVING count(*) > 1;` returns no',
    'rows and `SELECT count(*) FROM shop_order WHERE token IS NULL;` returns 0.',
    '',
    'Rollback: `python manage.py migrate shop 0043_fill_order_token` drops the unique index; `migrate shop',
    '0041_previous` removes the column (the backfill reverses as a no-op).',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/howto/writing-migrations/#migrations-that-add-unique-fields'],
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      const field = op.field;
      if (!addsUniqueIndex(field) || isAutoField(field)) return;
      const fill = existingRowFill(field);
      if (!fill) return;
      // A volatile (or unknown) database default computes one value per row: not shared.
      const volatility = fill.source === 'db_default' && fill.raw ? dbDefaultVolatility(fill.raw).kind : 'literal';
      if (volatility === 'volatile' || volatility === 'unknown') return;
      const source = fill.source === 'default' ? 'default' : fill.source === 'db_default' ? 'db_default' : fill.source === 'auto_now' ? 'auto_now timestamp' : 'blank-string value';
      ctx.report({ messageId: 'sameValueForEveryRow', op, arg: 'field', data: { field: op.name ?? 'unknown', model: modelLabel(visit), source, value: fill.value } });
    });
  },
  cases: {
    bad: [
      {
        name: 'unique UUID with a callable default',
        code: `import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="token",
            field=models.UUIDField(default=uuid.uuid4, unique=True),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_token.py',
        expect: [{ messageId: 'sameValueForEveryRow', line: 13 }],
      },
      {
        name: 'unique slug that is blank (filled with an empty string)',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="slug",
            field=models.SlugField(blank=True, unique=True),
        ),
    ]
`,
        path: 'shop/migrations/0042_product_slug.py',
        settings: { database: 'mysql' },
        expect: [{ messageId: 'sameValueForEveryRow', line: 11 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: nullable, no default', code: migrationSource(addNullable), path: 'shop/migrations/0042_order_token.py' },
      { name: 'safe alternative step 3: AlterField to unique after the backfill', code: migrationSource(makeUnique), path: 'shop/migrations/0044_order_token_unique.py' },
      {
        name: 'volatile database default gives each row its own value',
        code: `from django.contrib.postgres.functions import RandomUUID
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="token",
            field=models.UUIDField(db_default=RandomUUID(), unique=True),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_token.py',
      },
      {
        name: 'unique field with a default on a model created in the same migration',
        code: `import uuid

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
            field=models.UUIDField(default=uuid.uuid4, unique=True),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});
