import { defineRule } from './types.js';
import { asString } from './_lib/values.js';
import { shopContext } from './_lib/cases.js';
import { defaultTableName, mayTouchExistingTable, modelLabel } from './_lib/tables.js';

export default defineRule({
  id: 'alter-model-table',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rolling-deploy',
  summary: 'AlterModelTable renames a table the old code still queries.',
  messages: {
    renamesTable:
      'AlterModelTable on `{{model}}` renames table `{{oldTable}}` to `{{newTable}}`: the old code still queries `{{oldTable}}` and fails until the rollout ends.',
    renamesTableUnverified:
      'AlterModelTable on `{{model}}` sets its table to `{{newTable}}` (the current name was not read): if that is a new name the table is renamed and the old code fails until the rollout ends.',
  },
  why: [
    'AlterModelTable runs `ALTER TABLE … RENAME TO …` (plus the auto-created many-to-many tables named after it). The',
    'rename is quick, but from that moment the old code\'s queries fail with `relation "…" does not exist` (PostgreSQL)',
    'or `Table \'…\' doesn\'t exist` (MySQL) until every server runs the new code; the new code fails the same way if it',
    'starts first. On PostgreSQL the rename takes an ACCESS EXCLUSIVE lock that queues behind long transactions.',
  ].join('\n'),
  safeAlternative: [
    'The simplest fix is not to rename: keep `Meta.db_table` at the current name. If the name must change, rename the',
    'table and leave an updatable view under the old name for the old code (PostgreSQL and MySQL update simple',
    'single-table views in place).',
    '',
    '1. **Before the rollout** (`0042_invoice_table_rename.py`): rename in the database, keep a view, and tell Django',
    '   about the new name:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.SeparateDatabaseAndState(',
    '            database_operations=[',
    '                migrations.RunSQL(',
    '                    sql=[',
    '                        "ALTER TABLE legacy_invoice RENAME TO billing_invoice;",',
    '                        "CREATE VIEW legacy_invoice AS SELECT * FROM billing_invoice;",',
    '                    ],',
    '                    reverse_sql=[',
    '                        "DROP VIEW legacy_invoice;",',
    '                        "ALTER TABLE billing_invoice RENAME TO legacy_invoice;",',
    '                    ],',
    '                ),',
    '            ],',
    '            state_operations=[migrations.AlterModelTable(name="invoice", table="billing_invoice")],',
    '        ),',
    '    ]',
    '```',
    '',
    '2. **Deploy the code** (the model now says `db_table = "billing_invoice"`).',
    '',
    '3. **After the rollout** (`0043_drop_legacy_invoice_view.py`):',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0042_invoice_table_rename")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql="DROP VIEW legacy_invoice;",',
    '            reverse_sql="CREATE VIEW legacy_invoice AS SELECT * FROM billing_invoice;",',
    '        ),',
    '    ]',
    '```',
    '',
    'Set a short `lock_timeout` for step 1 (the rename waits for an exclusive lock) and retry on timeout. Verify with',
    '`SELECT count(*) FROM legacy_invoice;` returning the same as `billing_invoice` between steps 1 and 3. Rollback:',
    '`python manage.py migrate shop 0041_previous` drops the view and renames the table back.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#altermodeltable', 'https://www.postgresql.org/docs/current/sql-createview.html#SQL-CREATEVIEW-UPDATABLE-VIEWS'],
  operationTypes: ['AlterModelTable'],
  check(ctx) {
    const app = ctx.migration.app;
    ctx.each((op, before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const model = modelLabel(visit);
      const table = op.args['table'];
      // `table=None` goes back to Django's default name; anything not literal cannot be compared.
      const newTable = table?.kind === 'none' || table === undefined ? defaultTableName(app, model) : asString(table);
      if (newTable === undefined) return;
      const state = before.model(app, model);
      if (!state) {
        ctx.report({ messageId: 'renamesTableUnverified', op, arg: 'table', data: { model, newTable }, severity: 'warning' });
        return;
      }
      const oldTable = state.dbTable ?? defaultTableName(state.app, state.name);
      if (oldTable.toLowerCase() !== newTable.toLowerCase()) ctx.report({ messageId: 'renamesTable', op, arg: 'table', data: { model, oldTable, newTable } });
    });
  },
  cases: {
    bad: [
      {
        name: 'renaming the table of an existing model',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterModelTable(
            name="invoice",
            table="billing_invoice",
        ),
    ]
`,
        path: 'shop/migrations/0002_invoice_table.py',
        context: shopContext(),
        expect: [{ messageId: 'renamesTable', line: 10 }],
      },
      {
        name: 'earlier migrations not read',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_previous")]

    operations = [migrations.AlterModelTable(name="payment", table="payments")]
`,
        path: 'billing/migrations/0008_payment_table.py',
        expect: [{ messageId: 'renamesTableUnverified', line: 7 }],
      },
    ],
    good: [
      {
        name: 'renamed behind a view, state updated separately',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "ALTER TABLE legacy_invoice RENAME TO billing_invoice;",
                        "CREATE VIEW legacy_invoice AS SELECT * FROM billing_invoice;",
                    ],
                    reverse_sql=[
                        "DROP VIEW legacy_invoice;",
                        "ALTER TABLE billing_invoice RENAME TO legacy_invoice;",
                    ],
                ),
            ],
            state_operations=[migrations.AlterModelTable(name="invoice", table="billing_invoice")],
        ),
    ]
`,
        path: 'shop/migrations/0002_invoice_table.py',
        context: shopContext(),
      },
      {
        name: 'pinning the current name, and a table created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterModelTable(name="order", table="shop_order"),
        migrations.CreateModel(
            name="Refund",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
        migrations.AlterModelTable(name="refund", table="shop_refunds"),
    ]
`,
        path: 'shop/migrations/0002_pin_tables.py',
        context: shopContext(),
      },
    ],
  },
});
