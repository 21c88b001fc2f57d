import { defineRule } from './types.js';
import { isManyToMany } from './_lib/fields.js';
import { shopContext } from './_lib/cases.js';
import { mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';

export default defineRule({
  id: 'alter-field-m2m-incompatible',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'data-loss',
  summary: 'AlterField between a many-to-many and a regular field, or adding/removing `through=`, makes Django stop with ValueError.',
  messages: {
    m2mSwitch:
      'AlterField `{{field}}` on `{{model}}` turns a {{from}} into a {{to}}: Django cannot alter between many-to-many and regular fields and stops with "ValueError: Cannot alter field … into … - they are not compatible types".',
    throughSwitch:
      'AlterField `{{field}}` on `{{model}}` {{change}} an explicit `through` model: Django cannot switch between an automatic and an explicit join table and stops with "ValueError: Cannot alter field … into … - they are not compatible types".',
  },
  why: [
    'A many-to-many field has no column; it owns a join table. Django\'s schema editor can alter a regular column, or a',
    'many-to-many field whose join table is automatic on both sides, or do nothing when both sides use explicit',
    '`through` models. Any other pair raises `ValueError` when the migration runs (the message ends with "you cannot',
    'alter to or from M2M fields, or add or remove through= on M2M fields").',
    '',
    'On PostgreSQL and SQLite the migration is rolled back; on MySQL, MariaDB and Oracle the operations before it in the',
    'same migration stay applied, leaving the schema half-migrated. Either way the deploy stops.',
  ].join('\n'),
  safeAlternative: [
    'To give an existing many-to-many field an explicit `through` model, describe the existing join table as a model and',
    'change only Django\'s state: the table keeps its name and columns, so nothing happens in the database and old code',
    'keeps working.',
    '',
    '```python',
    'import django.db.models.deletion',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.SeparateDatabaseAndState(',
    '            database_operations=[],',
    '            state_operations=[',
    '                migrations.CreateModel(',
    '                    name="OrderWatcher",',
    '                    fields=[',
    '                        # Match the automatic table: its id type follows DEFAULT_AUTO_FIELD when it was created.',
    '                        ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),',
    '                        ("order", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.order")),',
    '                        ("customer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.customer")),',
    '                    ],',
    '                    options={"db_table": "shop_order_watchers", "unique_together": {("order", "customer")}},',
    '                ),',
    '                migrations.AlterField(',
    '                    model_name="order",',
    '                    name="watchers",',
    '                    field=models.ManyToManyField(',
    '                        related_name="watched_orders", through="shop.OrderWatcher", to="shop.customer"',
    '                    ),',
    '                ),',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    'Extra columns on the through model then go in later, ordinary AddField migrations (nullable or with `db_default`).',
    '',
    'To turn a many-to-many into a ForeignKey (or back), add the new field next to the old one, copy the data in a',
    'batched RunPython, move the code over, and remove the old field after the rollout (see `remove-field`); never alter',
    'one into the other.',
    '',
    'Verify: `python manage.py sqlmigrate shop 0042_order_watchers_through` prints no SQL, and',
    '`python manage.py makemigrations --check --dry-run` is clean afterwards. Rollback: the migration reverses',
    'state only.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/howto/writing-migrations/#changing-a-manytomanyfield-to-use-a-through-model'],
  operationTypes: ['AlterField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const before = previousField(visit, ctx.migration.app);
      const after = op.field;
      // Whether this fails depends entirely on the earlier field; without it stay quiet.
      if (!before || !after) return;
      const data = { field: op.name ?? '?', model: modelLabel(visit) };
      const wasM2m = isManyToMany(before);
      const isM2m = isManyToMany(after);
      if (wasM2m !== isM2m) {
        ctx.report({ messageId: 'm2mSwitch', op, arg: 'field', data: { ...data, from: wasM2m ? 'many-to-many field' : `${before.type} column`, to: isM2m ? 'many-to-many field' : `${after.type} column` } });
      } else if (wasM2m && isM2m) {
        const hadThrough = before.kwargs['through'] !== undefined;
        const hasThrough = after.kwargs['through'] !== undefined;
        if (hadThrough !== hasThrough) ctx.report({ messageId: 'throughSwitch', op, arg: 'field', data: { ...data, change: hasThrough ? 'adds' : 'removes' } });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'adding through= to an existing many-to-many field',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_orderwatcher")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="watchers",
            field=models.ManyToManyField(related_name="watched_orders", through="shop.OrderWatcher", to="shop.customer"),
        ),
    ]
`,
        path: 'shop/migrations/0003_order_watchers_through.py',
        context: shopContext({
          'shop/migrations/0002_orderwatcher.py': `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="OrderWatcher",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("order", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.order")),
                ("customer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.customer")),
            ],
        ),
    ]
`,
        }),
        expect: [{ messageId: 'throughSwitch', line: 11 }],
      },
      {
        name: 'many-to-many field altered into a foreign key',
        code: `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="watchers",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.customer"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_watcher_fk.py',
        context: shopContext(),
        expect: [{ messageId: 'm2mSwitch', line: 12 }],
      },
    ],
    good: [
      {
        name: 'explicit through model described in state only',
        code: `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="OrderWatcher",
                    fields=[
                        ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),
                        ("order", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.order")),
                        ("customer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.customer")),
                    ],
                    options={"db_table": "shop_order_watchers", "unique_together": {("order", "customer")}},
                ),
                migrations.AlterField(
                    model_name="order",
                    name="watchers",
                    field=models.ManyToManyField(related_name="watched_orders", through="shop.OrderWatcher", to="shop.customer"),
                ),
            ],
        ),
    ]
`,
        path: 'shop/migrations/0002_order_watchers_through.py',
        context: shopContext(),
      },
      {
        name: 'automatic join table kept, only related_name changes',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="watchers",
            field=models.ManyToManyField(related_name="followed_orders", to="shop.customer"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_watchers_related_name.py',
        context: shopContext(),
      },
    ],
  },
});
