import { defineRule } from './types.js';
import { isNotNull, isNullable } from './_lib/fields.js';
import { shopContext } from './_lib/cases.js';
import { bothHaveColumns } from './_lib/columns.js';
import { mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';

export default defineRule({
  id: 'alter-field-set-not-null',
  severity: 'error',
  severityByDatabase: { sqlite: 'warning' },
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'table-lock',
  summary: 'AlterField null=True → NOT NULL scans the table under a heavy lock and breaks old code that still writes NULL.',
  messages: {
    setNotNullPostgres:
      'AlterField `{{field}}` on `{{model}}` makes the column NOT NULL: PostgreSQL scans every row under an ACCESS EXCLUSIVE lock (no reads or writes meanwhile), and old code that still writes NULL starts failing.',
    setNotNullMysql:
      'AlterField `{{field}}` on `{{model}}` makes the column NOT NULL: MySQL/MariaDB rebuild the table to do it, and old code that still writes NULL starts failing.',
    setNotNull:
      'AlterField `{{field}}` on `{{model}}` makes the column NOT NULL: the database checks or rebuilds the whole table, and old code that still writes NULL starts failing.',
  },
  why: [
    '- **PostgreSQL**: `ALTER COLUMN … SET NOT NULL` holds an ACCESS EXCLUSIVE lock (no reads, no writes) while it scans',
    '  every row, unless a validated `CHECK (col IS NOT NULL)` constraint already proves it (PostgreSQL 12+). Everything',
    '  queued behind that lock waits too.',
    '- **MySQL / MariaDB**: `MODIFY … NOT NULL` rebuilds the table in place; writes continue but the metadata lock at the',
    '  start and end queues behind long transactions. Without strict mode existing NULLs are silently turned into `0`/`\'\'`.',
    '- **SQLite**: Django rebuilds the table (create, copy, drop, rename).',
    '- **Oracle**: `MODIFY … NOT NULL` validates every row.',
    '',
    'In every database the change is a *contract* step: old code (or a code path) that still saves `None` fails with',
    '`null value in column "…" violates not-null constraint`, and any row left NULL makes the migration itself fail. It',
    'must run after the code that always sets the value is everywhere, and after a backfill.',
    '',
    'This rule compares with the field\'s earlier definition; when the earlier migrations were not read it stays quiet.',
  ].join('\n'),
  safeAlternative: [
    'Backfill first, deploy code that never writes NULL, then let a validated CHECK constraint do the proof so',
    '`SET NOT NULL` needs no scan (PostgreSQL 12+). Each step below is its own migration.',
    '',
    '1. `0042_backfill_order_note.py` (batched, outside one long transaction):',
    '',
    '```python',
    'from django.db import migrations, transaction',
    '',
    'BATCH = 5000',
    '',
    '',
    'def fill_note(apps, schema_editor):',
    '    Order = apps.get_model("shop", "Order")',
    '    db = schema_editor.connection.alias',
    '    while True:',
    '        ids = list(Order.objects.using(db).filter(note__isnull=True).values_list("pk", flat=True)[:BATCH])',
    '        if not ids:',
    '            break',
    '        with transaction.atomic(using=db):',
    '            Order.objects.using(db).filter(pk__in=ids).update(note="")',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    atomic = False',
    '',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [migrations.RunPython(fill_note, migrations.RunPython.noop, elidable=True)]',
    '```',
    '',
    '2. `0043_order_note_check.py`: add the constraint without checking existing rows (brief lock, no scan):',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0042_backfill_order_note")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql="ALTER TABLE shop_order ADD CONSTRAINT shop_order_note_not_null CHECK (note IS NOT NULL) NOT VALID;",',
    '            reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT shop_order_note_not_null;",',
    '        ),',
    '    ]',
    '```',
    '',
    '3. `0044_validate_order_note_check.py`: validate in a separate migration (SHARE UPDATE EXCLUSIVE: reads and writes',
    '   continue while it scans):',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0043_order_note_check")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql="ALTER TABLE shop_order VALIDATE CONSTRAINT shop_order_note_not_null;",',
    '            reverse_sql=migrations.RunSQL.noop,',
    '        ),',
    '    ]',
    '```',
    '',
    '4. Deploy code that always sets `note`. Then, **after the rollout**, `0045_order_note_not_null.py` sets NOT NULL',
    '   using the validated constraint (no scan), drops the helper constraint and updates Django\'s state:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0044_validate_order_note_check")]',
    '',
    '    operations = [',
    '        migrations.SeparateDatabaseAndState(',
    '            database_operations=[',
    '                migrations.RunSQL(',
    '                    sql=[',
    '                        "ALTER TABLE shop_order ALTER COLUMN note SET NOT NULL;",',
    '                        "ALTER TABLE shop_order DROP CONSTRAINT shop_order_note_not_null;",',
    '                    ],',
    '                    reverse_sql=[',
    '                        "ALTER TABLE shop_order ADD CONSTRAINT shop_order_note_not_null CHECK (note IS NOT NULL) NOT VALID;",',
    '                        "ALTER TABLE shop_order ALTER COLUMN note DROP NOT NULL;",',
    '                    ],',
    '                ),',
    '            ],',
    '            state_operations=[',
    '                migrations.AlterField(model_name="order", name="note", field=models.TextField()),',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    'MySQL / MariaDB have no NOT VALID constraints: do steps 1 and 4 (a plain AlterField in step 4), run step 4 after',
    'the rollout, and for very large tables use an online schema change tool (gh-ost, pt-online-schema-change).',
    '',
    'Verify before step 4: `SELECT convalidated FROM pg_constraint WHERE conname = \'shop_order_note_not_null\';` is',
    '`t`, and `SELECT count(*) FROM shop_order WHERE note IS NULL;` is 0. Rollback: each migration reverses on its own,',
    'newest first; rolling back step 4 only drops NOT NULL (catalog-only).',
  ].join('\n'),
  links: [
    'https://www.postgresql.org/docs/current/sql-altertable.html',
    'https://docs.djangoproject.com/en/stable/ref/migration-operations/#separatedatabaseandstate',
  ],
  operationTypes: ['AlterField'],
  check(ctx) {
    const database = ctx.settings.database;
    const messageId = database === 'postgresql' ? 'setNotNullPostgres' : database === 'mysql' || database === 'mariadb' ? 'setNotNullMysql' : 'setNotNull';
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const before = previousField(visit, ctx.migration.app);
      const after = op.field;
      // Without the earlier definition there is no telling whether NULL was allowed before: stay quiet.
      if (!before || !after || !bothHaveColumns(before, after)) return;
      if (isNullable(before) && isNotNull(after)) ctx.report({ messageId, op, arg: 'field', data: { field: op.name ?? '?', model: modelLabel(visit) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'nullable column made NOT NULL in place',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="note",
            field=models.TextField(),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_note_not_null.py',
        context: shopContext(),
        expect: [{ messageId: 'setNotNullPostgres', line: 11 }],
      },
      {
        name: 'same change on MySQL',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="note", field=models.TextField(blank=True)),
    ]
`,
        path: 'shop/migrations/0002_order_note_not_null.py',
        context: shopContext(),
        settings: { database: 'mysql' },
        expect: [{ messageId: 'setNotNullMysql', line: 8 }],
      },
    ],
    good: [
      {
        name: 'NOT NULL set from a validated CHECK, state updated separately',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "ALTER TABLE shop_order ALTER COLUMN note SET NOT NULL;",
                        "ALTER TABLE shop_order DROP CONSTRAINT shop_order_note_not_null;",
                    ],
                    reverse_sql=[
                        "ALTER TABLE shop_order ADD CONSTRAINT shop_order_note_not_null CHECK (note IS NOT NULL) NOT VALID;",
                        "ALTER TABLE shop_order ALTER COLUMN note DROP NOT NULL;",
                    ],
                ),
            ],
            state_operations=[
                migrations.AlterField(model_name="order", name="note", field=models.TextField()),
            ],
        ),
    ]
`,
        path: 'shop/migrations/0002_order_note_not_null.py',
        context: shopContext(),
      },
      {
        name: 'already NOT NULL, unknown earlier state, and a new model',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="status", field=models.CharField(max_length=16, db_index=True)),
        migrations.AlterField(model_name="order", name="not_in_state", field=models.TextField()),
        migrations.CreateModel(
            name="Refund",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("reason", models.TextField(null=True)),
            ],
        ),
        migrations.AlterField(model_name="refund", name="reason", field=models.TextField()),
    ]
`,
        path: 'shop/migrations/0002_misc.py',
        context: shopContext(),
      },
    ],
  },
});
