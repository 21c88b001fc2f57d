import { defineRule } from './types.js';
import type { PyValue } from '../types.js';
import { shopContext } from './_lib/cases.js';
import { mayTouchExistingTable, modelLabel } from './_lib/tables.js';

export default defineRule({
  id: 'alter-order-with-respect-to',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rewrite',
  summary: 'AlterOrderWithRespectTo adds (or drops) the NOT NULL `_order` column that the old code does not know about.',
  messages: {
    addsOrderColumn:
      'AlterOrderWithRespectTo on `{{model}}` adds a NOT NULL `_order` column and Django drops its default right after filling existing rows: INSERTs from the old code, which does not set `_order`, fail until the rollout ends.',
    addsOrderColumnUnverified:
      'AlterOrderWithRespectTo on `{{model}}` adds a NOT NULL `_order` column unless ordering was already set (the earlier migrations were not read): if it does, INSERTs from the old code fail until the rollout ends.',
    dropsOrderColumn:
      'AlterOrderWithRespectTo on `{{model}}` drops the `_order` column while the old code still selects and writes it: its queries on `{{model}}` fail until the rollout ends.',
  },
  why: [
    '`Meta.order_with_respect_to` is stored in an integer column `_order`. Setting it on a model that had none makes',
    'Django add `_order` as NOT NULL with a temporary default of 0 and drop the default again, exactly like an AddField',
    'with a Python default: from then until every server runs the new code, the old code\'s INSERTs leave `_order` out',
    'and fail with `null value in column "_order" violates not-null constraint` (MySQL strict: `Field \'_order\'',
    'doesn\'t have a default value`). SQLite rebuilds the table to add it.',
    '',
    'Clearing it (`order_with_respect_to=None`) drops `_order`, which the old code still selects, like a RemoveField.',
  ].join('\n'),
  safeAlternative: [
    'Add `_order` yourself with a default the database keeps, and change only Django\'s state with the operation. On',
    'PostgreSQL 11+ and MySQL 8 a constant default adds the column without rewriting the table.',
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
    '                    # The DEFAULT stays, so INSERTs from the old code get 0 instead of failing.',
    '                    sql="ALTER TABLE shop_orderline ADD COLUMN _order integer DEFAULT 0 NOT NULL;",',
    '                    reverse_sql="ALTER TABLE shop_orderline DROP COLUMN _order;",',
    '                ),',
    '            ],',
    '            state_operations=[',
    '                migrations.AlterOrderWithRespectTo(name="orderline", order_with_respect_to="order"),',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    'Deploy order: migration first, then the code. Rows inserted by the old code get `_order = 0`; once the rollout is',
    'done, renumber them if their order matters (`order.set_orderline_order([...])`).',
    '',
    'To stop ordering, do it in two steps like `remove-field`: first a release whose code no longer uses the ordering,',
    'with the operation state-only (`SeparateDatabaseAndState(state_operations=[AlterOrderWithRespectTo(name=…,',
    'order_with_respect_to=None)], database_operations=[])`), then, after the rollout, `RunSQL("ALTER TABLE …',
    'DROP COLUMN _order;")`.',
    '',
    'Verify: `\\d shop_orderline` shows `_order integer not null default 0`. Rollback:',
    '`python manage.py migrate shop 0041_previous` drops the column.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/models/options/#order-with-respect-to', 'https://docs.djangoproject.com/en/stable/ref/migration-operations/#alterorderwithrespectto'],
  operationTypes: ['AlterOrderWithRespectTo'],
  check(ctx) {
    ctx.each((op, before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const model = modelLabel(visit);
      const wanted = isSet(op.args['order_with_respect_to']);
      const state = before.model(ctx.migration.app, model);
      if (!state) {
        if (wanted) ctx.report({ messageId: 'addsOrderColumnUnverified', op, arg: 'order_with_respect_to', data: { model } });
        return;
      }
      const had = isSet(state.options['order_with_respect_to']);
      // Moving from one parent to another keeps the column; only adding or clearing it changes the table.
      if (wanted && !had) ctx.report({ messageId: 'addsOrderColumn', op, arg: 'order_with_respect_to', data: { model } });
      else if (!wanted && had) ctx.report({ messageId: 'dropsOrderColumn', op, arg: 'order_with_respect_to', data: { model } });
    });
  },
  cases: {
    bad: [
      {
        name: 'ordering set on an existing model',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterOrderWithRespectTo(
            name="invoice",
            order_with_respect_to="order",
        ),
    ]
`,
        path: 'shop/migrations/0002_invoice_order.py',
        context: shopContext(),
        expect: [{ messageId: 'addsOrderColumn', line: 10 }],
      },
      {
        name: 'earlier migrations not read',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0040_previous")]

    operations = [
        migrations.AlterOrderWithRespectTo(name="orderline", order_with_respect_to="order"),
    ]
`,
        path: 'shop/migrations/0041_orderline_order.py',
        expect: [{ messageId: 'addsOrderColumnUnverified', line: 8 }],
      },
      {
        name: 'ordering cleared while the old code uses it',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_invoice_order")]

    operations = [
        migrations.AlterOrderWithRespectTo(name="invoice", order_with_respect_to=None),
    ]
`,
        path: 'shop/migrations/0003_invoice_unordered.py',
        context: shopContext({
          'shop/migrations/0002_invoice_order.py': `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterOrderWithRespectTo(name="invoice", order_with_respect_to="order"),
    ]
`,
        }),
        expect: [{ messageId: 'dropsOrderColumn', line: 8 }],
      },
    ],
    good: [
      {
        name: 'column added with a kept default, operation state-only',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE legacy_invoice ADD COLUMN _order integer DEFAULT 0 NOT NULL;",
                    reverse_sql="ALTER TABLE legacy_invoice DROP COLUMN _order;",
                ),
            ],
            state_operations=[
                migrations.AlterOrderWithRespectTo(name="invoice", order_with_respect_to="order"),
            ],
        ),
    ]
`,
        path: 'shop/migrations/0002_invoice_order.py',
        context: shopContext(),
      },
      {
        name: 'model created in the same migration',
        code: `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="OrderLine",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("order", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.order")),
            ],
        ),
        migrations.AlterOrderWithRespectTo(name="orderline", order_with_respect_to="order"),
    ]
`,
        path: 'shop/migrations/0002_orderline.py',
        context: shopContext(),
      },
    ],
  },
});

function isSet(value: PyValue | undefined): boolean {
  return value !== undefined && value.kind !== 'none' && !(value.kind === 'str' && value.value === '');
}
