import { defineRule } from './types.js';
import { hasDbConstraint, isForeignKey } from './_lib/fields.js';
import { shopContext } from './_lib/cases.js';
import { literalOrName, normaliseRelationTarget } from './_lib/columns.js';
import { mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';

export default defineRule({
  id: 'alter-field-fk-constraint',
  severity: 'warning',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'table-lock',
  summary: 'AlterField that adds or retargets a foreign key constraint validates every row while blocking writes to both tables.',
  messages: {
    validatesConstraint:
      'AlterField `{{field}}` on `{{model}}` {{change}} (target `{{target}}`): PostgreSQL checks every row while holding a SHARE ROW EXCLUSIVE lock on both tables, so writes to both wait until it finishes.',
  },
  why: [
    'Django drops the old foreign key constraint (if any) and runs `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY …',
    'REFERENCES …`. PostgreSQL validates every existing row of the table against the referenced table while holding a',
    'SHARE ROW EXCLUSIVE lock on **both** tables: reads continue, every INSERT, UPDATE and DELETE on either table waits.',
    'Inside the migration transaction the locks are held until the whole migration commits. A row that does not match',
    'fails the migration after all that waiting.',
    '',
    'This happens when `db_constraint` goes from False to True, when the target model or `to_field` changes, or when a',
    'plain column becomes a ForeignKey.',
  ].join('\n'),
  safeAlternative: [
    'Add the constraint as NOT VALID (no scan, short lock), then validate it in a later migration (SHARE UPDATE',
    'EXCLUSIVE on the table, ROW SHARE on the referenced table: reads and writes continue).',
    '',
    '1. `0042_order_customer_constraint.py`: keep Django\'s field definition in state, add the constraint by hand:',
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
    '            database_operations=[',
    '                migrations.RunSQL(',
    '                    sql="ALTER TABLE shop_order ADD CONSTRAINT shop_order_customer_id_fk FOREIGN KEY (customer_id)"',
    '                    " REFERENCES shop_customer (id) DEFERRABLE INITIALLY DEFERRED NOT VALID;",',
    '                    reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT shop_order_customer_id_fk;",',
    '                ),',
    '            ],',
    '            state_operations=[',
    '                migrations.AlterField(',
    '                    model_name="order",',
    '                    name="customer",',
    '                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.customer"),',
    '                ),',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    '2. `0043_validate_order_customer_constraint.py` (a separate migration, so the lock of step 1 is long gone):',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0042_order_customer_constraint")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql="ALTER TABLE shop_order VALIDATE CONSTRAINT shop_order_customer_id_fk;",',
    '            reverse_sql=migrations.RunSQL.noop,',
    '        ),',
    '    ]',
    '```',
    '',
    'Before step 2, find rows that would fail:',
    '`SELECT o.id FROM shop_order o LEFT JOIN shop_customer c ON c.id = o.customer_id WHERE o.customer_id IS NOT NULL AND c.id IS NULL;`',
    'After it, `SELECT convalidated FROM pg_constraint WHERE conname = \'shop_order_customer_id_fk\';` is `t`. Rollback:',
    'reversing step 1 drops the constraint; step 2 needs no undo. When retargeting to another model, drop the old',
    'constraint in step 1 too (`DROP CONSTRAINT <old name>`, found with `\\d shop_order`).',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT'],
  operationTypes: ['AlterField'],
  check(ctx) {
    const app = ctx.migration.app;
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const after = op.field;
      const before = previousField(visit, app);
      if (!before || !after || !hasDbConstraint(after)) return;
      const target = normaliseRelationTarget(after, app, ctx.settings) ?? 'its target';
      let change: string | undefined;
      if (!isForeignKey(before)) change = 'turns the column into a constrained foreign key';
      else if (!hasDbConstraint(before)) change = 'adds a foreign key constraint';
      else if (normaliseRelationTarget(before, app, ctx.settings) !== normaliseRelationTarget(after, app, ctx.settings)) change = 'points the foreign key constraint at another model';
      else if (literalOrName(before.kwargs['to_field']) !== literalOrName(after.kwargs['to_field'])) change = 're-creates the foreign key constraint for a new `to_field`';
      if (change) ctx.report({ messageId: 'validatesConstraint', op, arg: 'field', data: { field: op.name ?? '?', model: modelLabel(visit), change, target } });
    });
  },
  cases: {
    bad: [
      {
        name: 'turning db_constraint back on',
        code: `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_customer_unconstrained")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="customer",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.customer"),
        ),
    ]
`,
        path: 'shop/migrations/0003_order_customer_constraint.py',
        context: shopContext({
          'shop/migrations/0002_order_customer_unconstrained.py': `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="customer",
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, to="shop.customer"),
        ),
    ]
`,
        }),
        expect: [{ messageId: 'validatesConstraint', line: 12 }],
      },
      {
        name: 'pointing the foreign key at another model',
        code: `from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="customer",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_customer_user.py',
        context: shopContext(),
        expect: [{ messageId: 'validatesConstraint', line: 13 }],
      },
    ],
    good: [
      {
        name: 'constraint added NOT VALID, state updated separately',
        code: `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE shop_order ADD CONSTRAINT shop_order_customer_id_fk FOREIGN KEY (customer_id)"
                    " REFERENCES shop_customer (id) DEFERRABLE INITIALLY DEFERRED NOT VALID;",
                    reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT shop_order_customer_id_fk;",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="customer",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.customer"),
                ),
            ],
        ),
    ]
`,
        path: 'shop/migrations/0002_order_customer_constraint.py',
        context: shopContext(),
      },
      {
        name: 'only on_delete and related_name change (no SQL), and dropping the constraint',
        code: `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="customer",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="orders", to="shop.Customer"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="order",
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, to="shop.order"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_customer_protect.py',
        context: shopContext(),
      },
    ],
  },
});
