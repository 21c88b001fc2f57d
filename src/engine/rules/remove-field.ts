import { defineRule } from './types.js';
import { modelDeletedLaterInMigration } from './_lib/teardown.js';
import { columnName, hasNoColumn } from './_lib/fields.js';
import { shopContext } from './_lib/cases.js';
import { declaredStage } from './_lib/rolling-deploy.js';
import { mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';

export default defineRule({
  id: 'remove-field',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rolling-deploy',
  summary: 'RemoveField drops a column the old code still selects and inserts while the deploy rolls out.',
  messages: {
    dropsColumn:
      'RemoveField `{{field}}` on `{{model}}` drops column `{{column}}` while the old code still selects and inserts it: every query that loads `{{model}}` rows fails until the rollout ends, and the data is gone.',
    dropsField:
      'RemoveField `{{field}}` on `{{model}}` drops its column while the old code still selects and inserts it: every query that loads `{{model}}` rows fails until the rollout ends, and the data is gone.',
  },
  why: [
    'Django lists every column of the model in its SELECTs and INSERTs. Migrations run before the new code is',
    'everywhere, so as soon as the column is gone the old code fails with `column "…" does not exist` (PostgreSQL),',
    '`Unknown column \'…\' in \'field list\'` (MySQL, MariaDB) or `no such column` (SQLite), on reads as well as writes.',
    '',
    'The drop itself is quick on PostgreSQL (a catalog change, but under an ACCESS EXCLUSIVE lock that queues behind',
    'long transactions) and instant or in-place on MySQL 8; SQLite rebuilds the table when the column is indexed, unique',
    'or a foreign key. Rolling back does not bring the data back: the reverse migration re-adds an empty column, and',
    'cannot even do that for a NOT NULL column without a default.',
  ].join('\n'),
  safeAlternative: [
    'Remove the field from the code first, and drop the column only after every server runs that code.',
    '',
    '1. **Before the rollout** (`0042_order_legacy_code_nullable.py`): if the column is NOT NULL without a database',
    '   default, make it nullable so the new code (which no longer sets it) can still insert rows:',
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
    '            name="legacy_code",',
    '            field=models.CharField(max_length=20, null=True),',
    '        ),',
    '    ]',
    '```',
    '',
    '2. **Deploy the code** with the field deleted from the model and every use of it gone (search templates, admin,',
    '   serializers, `values()` calls, raw SQL).',
    '',
    '3. **After the rollout** (`0043_remove_order_legacy_code.py`): drop the column. Mark the migration as post-deploy',
    '   (django-syzygy `stage = Stage.POST_DEPLOY`, or django-safemigrate `safe = Safe.after_deploy()`), or ship it in',
    '   the next release:',
    '',
    '```python',
    'from django.db import migrations',
    'from syzygy import Stage',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    stage = Stage.POST_DEPLOY  # run only once no server runs the code that selects legacy_code',
    '',
    '    dependencies = [("shop", "0042_order_legacy_code_nullable")]',
    '',
    '    operations = [',
    '        migrations.RemoveField(model_name="order", name="legacy_code"),',
    '    ]',
    '```',
    '',
    'Rollback: before step 3, rolling the code back is enough (the column is still there). After step 3 the values are',
    'gone; `python manage.py migrate shop 0042_order_legacy_code_nullable` re-adds an empty nullable column and the data',
    'has to come from a backup.',
    '',
    'Verify: before step 3, confirm no running process still uses the column (for example',
    '`SELECT query FROM pg_stat_statements WHERE query LIKE \'%legacy_code%\';` on PostgreSQL returns nothing new), and',
    'that `python manage.py makemigrations --check` is clean.',
  ].join('\n'),
  links: [
    'https://docs.djangoproject.com/en/stable/ref/migration-operations/#removefield',
    'https://github.com/charettes/django-syzygy',
  ],
  operationTypes: ['RemoveField'],
  check(ctx) {
    // A migration that declares it runs after the rollout is exactly where a drop belongs.
    if (declaredStage(ctx.migration)?.stage === 'post-deploy') return;
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      // Django's teardown before a DeleteModel: the table drop is the finding (delete-model).
      if (modelDeletedLaterInMigration(ctx, visit)) return;
      const before = previousField(visit, ctx.migration.app);
      // Many-to-many fields have no column on this table.
      if (before && hasNoColumn(before)) return;
      const data = { field: op.name ?? '?', model: modelLabel(visit) };
      if (before) ctx.report({ messageId: 'dropsColumn', op, data: { ...data, column: columnName(before, op.name ?? '') } });
      else ctx.report({ messageId: 'dropsField', op, data });
    });
  },
  cases: {
    bad: [
      {
        name: 'dropping a column the running code still reads',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RemoveField(
            model_name="order",
            name="customer",
        ),
    ]
`,
        path: 'shop/migrations/0002_remove_order_customer.py',
        context: shopContext(),
        expect: [{ messageId: 'dropsColumn', line: 8 }],
      },
      {
        name: 'earlier migrations not read',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_previous")]

    operations = [
        migrations.RemoveField(model_name="payment", name="legacy_code"),
    ]
`,
        path: 'billing/migrations/0008_remove_payment_legacy_code.py',
        expect: [{ messageId: 'dropsField', line: 8 }],
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
        name: 'drop marked to run after the rollout',
        code: `from django.db import migrations
from syzygy import Stage


class Migration(migrations.Migration):
    stage = Stage.POST_DEPLOY

    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="order", name="note"),
    ]
`,
        path: 'shop/migrations/0002_remove_order_note.py',
        context: shopContext(),
      },
      {
        name: 'many-to-many field and a state-only removal',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="order", name="watchers"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="order", name="note")],
            database_operations=[],
        ),
    ]
`,
        path: 'shop/migrations/0002_remove_order_watchers.py',
        context: shopContext(),
      },
      {
        name: 'field removed from a model created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("reason", models.TextField()),
            ],
        ),
        migrations.RemoveField(model_name="refund", name="reason"),
    ]
`,
        path: 'shop/migrations/0002_refund.py',
      },
    ],
  },
});
