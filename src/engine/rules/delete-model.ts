import { defineRule } from './types.js';
import { asBool } from './_lib/values.js';
import { shopContext } from './_lib/cases.js';
import { declaredStage } from './_lib/rolling-deploy.js';
import { defaultTableName, mayTouchExistingTable, modelLabel } from './_lib/tables.js';

export default defineRule({
  id: 'delete-model',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rolling-deploy',
  summary: 'DeleteModel drops a table the old code still queries while the deploy rolls out.',
  messages: {
    dropsTable:
      'DeleteModel `{{model}}` drops table `{{table}}` while the old code still queries it: those requests fail until the rollout ends, and the rows are gone (a rollback needs a backup).',
    dropsTableUnverified:
      'DeleteModel `{{model}}` drops its table while the old code still queries it: those requests fail until the rollout ends, and the rows are gone (a rollback needs a backup).',
  },
  why: [
    'Migrations run while the old code is still serving. Any request of the old code that touches the model (admin pages,',
    'reverse relations, `select_related`, cascading deletes) fails with `relation "…" does not exist` (PostgreSQL) or',
    '`Table \'…\' doesn\'t exist` (MySQL) until the new code is everywhere.',
    '',
    'On PostgreSQL `DROP TABLE … CASCADE` takes an ACCESS EXCLUSIVE lock on the table and also drops the foreign keys',
    'that point at it, locking those tables too. Auto-created many-to-many tables of the model are dropped with it. The',
    'reverse migration recreates empty tables only: the rows must come from a backup.',
  ].join('\n'),
  safeAlternative: [
    'Stop using the model first; drop the table only after every server runs that code.',
    '',
    '1. **Deploy the code** without the model: remove imports, foreign keys pointing at it (each one is its own',
    '   RemoveField, handled the same way), admin registrations and signal handlers. Keep the table.',
    '',
    '2. **After the rollout** (`0043_delete_giftwrap.py`), drop it in a migration marked post-deploy (django-syzygy',
    '   `stage = Stage.POST_DEPLOY`, django-safemigrate `safe = Safe.after_deploy()`), or ship it in the next release:',
    '',
    '```python',
    'from django.db import migrations',
    'from syzygy import Stage',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    stage = Stage.POST_DEPLOY  # the code deployed before this no longer imports GiftWrap',
    '',
    '    dependencies = [("shop", "0042_remove_order_gift_wrap")]',
    '',
    '    operations = [',
    '        migrations.DeleteModel(name="GiftWrap"),',
    '    ]',
    '```',
    '',
    'If you want the data kept for a while, skip the drop in the database and remove the model from Django only; drop',
    'the table by hand later:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0042_remove_order_gift_wrap")]',
    '',
    '    operations = [',
    '        migrations.SeparateDatabaseAndState(',
    '            state_operations=[migrations.DeleteModel(name="GiftWrap")],',
    '            database_operations=[],  # the table shop_giftwrap stays until someone drops it on purpose',
    '        ),',
    '    ]',
    '```',
    '',
    'Rollback: before the drop, rolling the code back is enough. After it, take a backup of the table first',
    '(`pg_dump -t shop_giftwrap`, `mysqldump db shop_giftwrap`); `migrate` backwards only recreates it empty.',
    'Verify before the drop that nothing reads the table any more (for example `pg_stat_user_tables.seq_scan` and',
    '`idx_scan` for it stop growing).',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#deletemodel', 'https://github.com/charettes/django-syzygy'],
  operationTypes: ['DeleteModel'],
  check(ctx) {
    if (declaredStage(ctx.migration)?.stage === 'post-deploy') return;
    ctx.each((op, before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const model = modelLabel(visit);
      const state = before.model(ctx.migration.app, model);
      if (!state) {
        ctx.report({ messageId: 'dropsTableUnverified', op, data: { model } });
        return;
      }
      // Proxy and unmanaged models have no table Django would drop.
      if (asBool(state.options['proxy']) === true || asBool(state.options['managed']) === false) return;
      ctx.report({ messageId: 'dropsTable', op, data: { model, table: state.dbTable ?? defaultTableName(state.app, state.name) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'table dropped while the old code still uses it',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.DeleteModel(
            name="Invoice",
        ),
    ]
`,
        path: 'shop/migrations/0002_delete_invoice.py',
        context: shopContext(),
        expect: [{ messageId: 'dropsTable', line: 8 }],
      },
      {
        name: 'earlier migrations not read',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0040_previous")]

    operations = [migrations.DeleteModel(name="GiftWrap")]
`,
        path: 'shop/migrations/0041_delete_giftwrap.py',
        expect: [{ messageId: 'dropsTableUnverified', line: 7 }],
      },
    ],
    good: [
      {
        name: 'drop marked post-deploy',
        code: `from django.db import migrations
from syzygy import Stage


class Migration(migrations.Migration):
    stage = Stage.POST_DEPLOY

    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.DeleteModel(name="Invoice"),
    ]
`,
        path: 'shop/migrations/0002_delete_invoice.py',
        context: shopContext(),
      },
      {
        name: 'state-only removal keeps the table',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Invoice")],
            database_operations=[],
        ),
    ]
`,
        path: 'shop/migrations/0002_forget_invoice.py',
        context: shopContext(),
      },
      {
        name: 'model created and deleted in the same migration, and a proxy model',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_vipcustomer")]

    operations = [
        migrations.CreateModel(
            name="Scratch",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
        migrations.DeleteModel(name="Scratch"),
        migrations.DeleteModel(name="VipCustomer"),
    ]
`,
        path: 'shop/migrations/0003_cleanup.py',
        context: shopContext({
          'shop/migrations/0002_vipcustomer.py': `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(name="VipCustomer", fields=[], options={"proxy": True}, bases=("shop.customer",)),
    ]
`,
        }),
      },
    ],
  },
});
