import { defineRule } from './types.js';
import type { OperationVisit } from './types.js';
import { asString } from './_lib/values.js';
import { shopContext } from './_lib/cases.js';
import { hasDbDefault, isAutoField, isNotNull, isPrimaryKey } from './_lib/fields.js';
import { fillsExistingRows } from './_lib/defaults.js';
import { mayTouchExistingTable, modelLabel } from './_lib/tables.js';

export default defineRule({
  id: 'add-field-not-null-without-db-default',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rolling-deploy',
  summary: 'AddField of a NOT NULL column without db_default breaks INSERTs from the code still running during the deploy.',
  messages: {
    pythonDefaultDropped:
      'AddField `{{field}}` on `{{model}}` adds a NOT NULL column and Django drops its default right after filling existing rows: INSERTs from the old code, which does not know the column, fail until the rollout ends.',
    noDefault:
      'AddField `{{field}}` on `{{model}}` adds a NOT NULL column with no default at all: the migration fails on a table that has rows, and INSERTs from the old code would fail even if it did not.',
  },
  why: [
    'Migrations run while the old code is still serving. Django names every column it knows in its INSERTs, so the old',
    'code leaves the new column out and the database has to fill it in.',
    '',
    'A Python `default=` does not help with that: Django adds the column with the default only to fill the existing rows,',
    'then runs `ALTER COLUMN … DROP DEFAULT`. From then until every server runs the new code, each INSERT from the old code',
    'fails with `null value in column "…" violates not-null constraint` (PostgreSQL, Oracle, SQLite) or',
    '`Field \'…\' doesn\'t have a default value` (MySQL and MariaDB in strict mode; without strict mode they silently store',
    '`\'\'` or `0`). Without any default the migration itself fails as soon as the table has a row.',
    '',
    'Only a database default (`db_default=`, Django 5.0+) stays in the table and keeps the old code\'s INSERTs working.',
  ].join('\n'),
  safeAlternative: [
    '**Django 5.0 or later: give the column a database default.** A constant (or `Now()`) is stored in the catalog on',
    'PostgreSQL 11+ and MySQL 8, so no rows are rewritten and the old code\'s INSERTs get the value from the database:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.AddField(',
    '            model_name="order",',
    '            name="channel",',
    '            # db_default stays in the table; default gives new Python objects the same value before save.',
    '            field=models.CharField(max_length=32, default="web", db_default="web"),',
    '        ),',
    '    ]',
    '```',
    '',
    'Deploy order: run the migration, then roll out the code. Rollback: roll the code back first, then',
    '`python manage.py migrate shop 0041_previous` (drops the column). Verify with',
    '`python manage.py sqlmigrate shop 0042_order_channel`: the output must not end with `DROP DEFAULT`.',
    '',
    '**Older Django, or a value that differs per row: expand, backfill, then contract.**',
    '',
    '1. Add the column as nullable (`0042_order_channel.py`), deploy it with code that writes `channel` on every save and',
    '   treats `None` as "not filled yet":',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.AddField(',
    '            model_name="order",',
    '            name="channel",',
    '            field=models.CharField(max_length=32, null=True),',
    '        ),',
    '    ]',
    '```',
    '',
    '2. Backfill in batches, outside one big transaction (`0043_backfill_order_channel.py`):',
    '',
    '```python',
    'from django.db import migrations, transaction',
    '',
    'BATCH = 5000',
    '',
    '',
    'def fill_channel(apps, schema_editor):',
    '    Order = apps.get_model("shop", "Order")',
    '    db = schema_editor.connection.alias',
    '    while True:',
    '        ids = list(Order.objects.using(db).filter(channel__isnull=True).values_list("pk", flat=True)[:BATCH])',
    '        if not ids:',
    '            break',
    '        with transaction.atomic(using=db):',
    '            Order.objects.using(db).filter(pk__in=ids).update(channel="web")',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    atomic = False  # each batch commits on its own; no lock is held for the whole backfill',
    '',
    '    dependencies = [("shop", "0042_order_channel")]',
    '',
    '    operations = [migrations.RunPython(fill_channel, migrations.RunPython.noop, elidable=True)]',
    '```',
    '',
    '3. Once every server runs the new code, make it NOT NULL (`0044_order_channel_not_null.py`). On a large PostgreSQL',
    '   table use the CHECK … NOT VALID recipe of `alter-field-set-not-null` for this step instead of a plain AlterField:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0043_backfill_order_channel")]',
    '',
    '    operations = [',
    '        migrations.AlterField(',
    '            model_name="order",',
    '            name="channel",',
    '            field=models.CharField(max_length=32),',
    '        ),',
    '    ]',
    '```',
    '',
    'Rollback: each step reverses on its own (`migrate shop 0043…`, `0042…`, `0041_previous`), newest first, with the code',
    'rolled back before the step it depends on. Verify before step 3 that',
    '`SELECT count(*) FROM shop_order WHERE channel IS NULL;` returns 0.',
  ].join('\n'),
  links: [
    'https://docs.djangoproject.com/en/stable/ref/models/fields/#db-default',
    'https://docs.djangoproject.com/en/stable/ref/migration-operations/#addfield',
  ],
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const field = op.field;
      if (!field || !isNotNull(field) || hasDbDefault(field)) return;
      // Primary keys and auto fields are other rules' business (add-field-unique, add-field-auto-increment).
      if (isPrimaryKey(field) || isAutoField(field)) return;
      const data = { field: op.name ?? '?', model: modelLabel(visit) };
      const messageId = fillsExistingRows(field, op.args['preserve_default']) ? 'pythonDefaultDropped' : 'noDefault';
      // django-add-default-value puts the default back in the database in the same transaction.
      if (messageId === 'pythonDefaultDropped' && restoresDbDefault(ctx.visits, visit, op.name)) return;
      ctx.report({ messageId, op, arg: 'field', data });
    });
  },
  cases: {
    bad: [
      {
        name: 'NOT NULL column with a Python default',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(default="web", max_length=32),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_channel.py',
        expect: [{ messageId: 'pythonDefaultDropped', line: 11 }],
      },
      {
        name: 'one-off default from the makemigrations prompt',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="priority",
            field=models.IntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="order",
            name="region",
            field=models.CharField(max_length=8),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_priority.py',
        settings: { database: 'mysql' },
        expect: [
          { messageId: 'pythonDefaultDropped', line: 11 },
          { messageId: 'noDefault', line: 17 },
        ],
      },
    ],
    good: [
      {
        name: 'django-add-default-value keeps the default in the database',
        code: `from django.db import migrations, models
from django_add_default_value import AddDefaultValue


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(default="web", max_length=32),
        ),
        AddDefaultValue(model_name="order", name="channel", value="web"),
    ]
`,
        path: 'shop/migrations/0002_order_channel.py',
        context: shopContext(),
      },
      {
        name: 'db_default keeps the database default (Django 5.0+)',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=32, default="web", db_default="web"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_channel.py',
      },
      {
        name: 'nullable column first (expand step)',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="order",
            name="labels",
            field=models.ManyToManyField(to="shop.customer"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_channel.py',
      },
      {
        name: 'NOT NULL column on a model created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
        migrations.AddField(
            model_name="refund",
            name="reason",
            field=models.CharField(max_length=64, default="other"),
        ),
    ]
`,
        path: 'shop/migrations/0002_refund.py',
      },
    ],
  },
});

/** A later `AddDefaultValue(model_name, name, value)` (django-add-default-value) for the same field in this migration. */
function restoresDbDefault(visits: readonly OperationVisit[], visit: OperationVisit, field: string | undefined): boolean {
  if (!field || !visit.model) return false;
  const at = visits.indexOf(visit);
  return visits.slice(at + 1).some((later) => {
    if (later.op.type !== 'AddDefaultValue' || !later.dbEffective) return false;
    const [model, name] = [later.op.args['model_name'] ?? later.op.extraArgs[0], later.op.args['name'] ?? later.op.extraArgs[1]];
    return asString(model)?.toLowerCase() === visit.model && asString(name)?.toLowerCase() === field.toLowerCase();
  });
}
