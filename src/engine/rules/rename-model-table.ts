import { defineRule } from './types.js';
import { shopContext } from './_lib/cases.js';
import { defaultTableName } from './_lib/tables.js';

export default defineRule({
  id: 'rename-model-table',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rolling-deploy',
  summary: 'RenameModel without Meta.db_table renames the table the old code still queries.',
  messages: {
    renamesTable:
      'RenameModel `{{oldName}}` → `{{newName}}` renames table `{{oldTable}}` to `{{newTable}}` because the model has no `db_table`: the old code still queries `{{oldTable}}` and fails until the rollout ends.',
    renamesTableUnverified:
      'RenameModel `{{oldName}}` → `{{newName}}` renames table `{{oldTable}}` to `{{newTable}}` unless the model pins `db_table` (its earlier definition was not read): if it does rename, the old code fails until the rollout ends.',
  },
  why: [
    'A model without `Meta.db_table` lives in `<app>_<model>`; RenameModel runs `ALTER TABLE … RENAME TO …` to follow',
    'the new class name, renames the auto-created many-to-many tables built from that name, and alters the foreign keys',
    'that point at the model. The rename is quick (PostgreSQL: a brief ACCESS EXCLUSIVE lock), but from that moment the',
    'old code\'s queries fail with `relation "…" does not exist` / `Table \'…\' doesn\'t exist` until every server runs',
    'the new code, and the new code fails the same way if it starts before the migration.',
    '',
    'When the model already sets `db_table`, the table name does not change and the rename is Python-only.',
  ].join('\n'),
  safeAlternative: [
    'Pin the current table name before renaming the class, so the database keeps the old name.',
    '',
    '1. Add `db_table` with the **current** name to the model (`class Meta: db_table = "shop_order"`) and generate the',
    '   migration; it changes nothing in the database because the name is the same:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.AlterModelTable(name="order", table="shop_order"),',
    '    ]',
    '```',
    '',
    '2. Rename the class (it may go in the same release, in a later migration):',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0042_pin_order_table")]',
    '',
    '    operations = [',
    '        migrations.RenameModel(old_name="Order", new_name="Purchase"),',
    '    ]',
    '```',
    '',
    'Note: join tables of many-to-many fields on *other* models that point here contain an `order_id` column that',
    'RenameModel renames to `purchase_id`; give those fields an explicit `through` model first if old code uses them.',
    '',
    'Verify: `python manage.py sqlmigrate shop 0043_rename_order_purchase` prints no `RENAME TO`. Rollback: both steps',
    'reverse without touching the table. If the table name itself must change, see `alter-model-table`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#renamemodel', 'https://docs.djangoproject.com/en/stable/ref/models/options/#db-table'],
  operationTypes: ['RenameModel'],
  check(ctx) {
    const app = ctx.migration.app;
    ctx.each((op, before, visit) => {
      if (!visit.dbEffective || !op.oldName || !op.name) return;
      if (ctx.isNewModel(op.oldName, op)) return;
      const state = before.model(app, op.oldName);
      if (state?.dbTable) return;
      const oldTable = defaultTableName(app, op.oldName);
      const newTable = defaultTableName(app, op.name);
      if (oldTable === newTable) return;
      const data = { oldName: op.oldName, newName: op.name, oldTable, newTable };
      // Without the earlier state the table name is a likely guess, not a fact: report it one level softer.
      if (state) ctx.report({ messageId: 'renamesTable', op, data });
      else ctx.report({ messageId: 'renamesTableUnverified', op, data, severity: 'warning' });
    });
  },
  cases: {
    bad: [
      {
        name: 'renaming a model whose table follows its name',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RenameModel(
            old_name="Order",
            new_name="Purchase",
        ),
    ]
`,
        path: 'shop/migrations/0002_rename_order_purchase.py',
        context: shopContext(),
        expect: [{ messageId: 'renamesTable', line: 8 }],
      },
      {
        name: 'earlier migrations not read',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_previous")]

    operations = [
        migrations.RenameModel(old_name="Payment", new_name="Charge"),
    ]
`,
        path: 'billing/migrations/0008_rename_payment_charge.py',
        expect: [{ messageId: 'renamesTableUnverified', line: 8 }],
      },
    ],
    good: [
      {
        name: 'table pinned first, then the class renamed',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterModelTable(name="order", table="shop_order"),
        migrations.RenameModel(old_name="Order", new_name="Purchase"),
        migrations.RenameModel(old_name="Invoice", new_name="Bill"),
    ]
`,
        path: 'shop/migrations/0002_rename_order_purchase.py',
        context: shopContext(),
      },
      {
        name: 'model created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
        migrations.RenameModel(old_name="Refund", new_name="Chargeback"),
    ]
`,
        path: 'shop/migrations/0002_refund.py',
      },
    ],
  },
});
