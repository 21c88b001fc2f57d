import { defineRule } from './types.js';
import { modelDeletedLaterInMigration } from './_lib/teardown.js';
import { hasDbDefault, isNotNull } from './_lib/fields.js';
import { shopContext } from './_lib/cases.js';
import { isPrimaryKeyColumn } from './_lib/columns.js';
import { fillsExistingRows } from './_lib/defaults.js';
import { mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';

export default defineRule({
  id: 'remove-field-not-null-unprepared',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rolling-deploy',
  summary: 'RemoveField of a column that is still NOT NULL without a database default: new code cannot insert before the drop runs.',
  messages: {
    stillNotNull:
      'RemoveField `{{field}}` on `{{model}}` drops a column that is still NOT NULL without a database default: code that no longer sets it cannot insert rows until this migration has run.',
    stillNotNullIrreversible:
      'RemoveField `{{field}}` on `{{model}}` drops a column that is still NOT NULL without any default: code that no longer sets it cannot insert rows until this migration has run, and the migration cannot be reversed on a table with rows.',
  },
  why: [
    'A column is dropped in two moves: the code stops using the field, then the migration drops the column. Whichever',
    'order the deploy uses, there is a window where code that no longer knows the field inserts rows while the column is',
    'still there. If the column is NOT NULL with no database default, those INSERTs fail with',
    '`null value in column "…" violates not-null constraint` (PostgreSQL) or `Field \'…\' doesn\'t have a default value`',
    '(MySQL strict mode).',
    '',
    'Reversing the migration re-adds the column as NOT NULL. Without a default Django cannot fill the existing rows and',
    'the reverse migration fails, so a rollback is stuck until someone edits the migration.',
    '',
    'This rule reads the field\'s last definition from the earlier migrations; when they were not analysed it stays quiet.',
  ].join('\n'),
  safeAlternative: [
    'Loosen the column before the code stops setting it, then drop it after the rollout.',
    '',
    '1. **Before the rollout** (`0042_order_number_nullable.py`): allow NULL (or, on Django 5.0+, keep NOT NULL and add',
    '   `db_default=`). Dropping NOT NULL is a catalog-only change:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.AlterField(',
    '            model_name="order",',
    '            name="number",',
    '            field=models.CharField(max_length=20, null=True),',
    '        ),',
    '    ]',
    '```',
    '',
    '2. **Deploy the code** without the field.',
    '',
    '3. **After the rollout** (`0043_remove_order_number.py`, post-deploy stage or next release):',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0042_order_number_nullable")]',
    '',
    '    operations = [',
    '        migrations.RemoveField(model_name="order", name="number"),',
    '    ]',
    '```',
    '',
    'Rollback: `python manage.py migrate shop 0042_order_number_nullable` re-adds the column as nullable, which works on',
    'a table with rows (the values themselves are gone). Verify after step 1 with',
    '`SELECT is_nullable FROM information_schema.columns WHERE table_name = \'shop_order\' AND column_name = \'number\';`',
    '(expect `YES`).',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#removefield', 'https://github.com/charettes/django-syzygy'],
  operationTypes: ['RemoveField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      // Django's teardown before a DeleteModel: the table drop is the finding (delete-model).
      if (modelDeletedLaterInMigration(ctx, visit)) return;
      const before = previousField(visit, ctx.migration.app);
      // Unknown earlier definition: say nothing rather than guess.
      if (!before || !isNotNull(before) || hasDbDefault(before) || isPrimaryKeyColumn(before)) return;
      const messageId = fillsExistingRows(before) ? 'stillNotNull' : 'stillNotNullIrreversible';
      ctx.report({ messageId, op, data: { field: op.name ?? '?', model: modelLabel(visit) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'NOT NULL column dropped without loosening it first',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RemoveField(
            model_name="order",
            name="number",
        ),
    ]
`,
        path: 'shop/migrations/0002_remove_order_number.py',
        context: shopContext(),
        expect: [{ messageId: 'stillNotNullIrreversible', line: 8 }],
      },
      {
        name: 'NOT NULL column with only a Python default',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_priority")]

    operations = [
        migrations.RemoveField(model_name="order", name="priority"),
    ]
`,
        path: 'shop/migrations/0003_remove_order_priority.py',
        context: shopContext({
          'shop/migrations/0002_order_priority.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="priority", field=models.IntegerField(default=0)),
    ]
`,
        }),
        expect: [{ messageId: 'stillNotNull', line: 8 }],
      },
    ],
    good: [
      {
        name: "Django's teardown: the model's fields removed right before its DeleteModel",
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="invoice", name="order"),
        migrations.DeleteModel(name="Invoice"),
    ]
`,
        path: 'shop/migrations/0002_delete_invoice.py',
        context: shopContext(),
      },
      {
        name: 'made nullable in an earlier migration, then dropped',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_number_nullable")]

    operations = [
        migrations.RemoveField(model_name="order", name="number"),
    ]
`,
        path: 'shop/migrations/0003_remove_order_number.py',
        context: shopContext({
          'shop/migrations/0002_order_number_nullable.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="number", field=models.CharField(max_length=20, null=True)),
    ]
`,
        }),
      },
      {
        name: 'nullable column, a db_default column, and an unknown field',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_channel")]

    operations = [
        migrations.RemoveField(model_name="order", name="note"),
        migrations.RemoveField(model_name="order", name="channel"),
        migrations.RemoveField(model_name="order", name="never_declared"),
    ]
`,
        path: 'shop/migrations/0003_cleanup.py',
        context: shopContext({
          'shop/migrations/0002_order_channel.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=32, db_default="web")),
    ]
`,
        }),
      },
    ],
  },
});
