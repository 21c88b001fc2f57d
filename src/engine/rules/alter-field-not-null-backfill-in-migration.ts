import { defineRule } from './types.js';
import type { FieldDef, PyValue } from '../types.js';
import { dbDefault, isNotNull, isNullable } from './_lib/fields.js';
import { describeValue } from './_lib/values.js';
import { shopContext } from './_lib/cases.js';
import { bothHaveColumns } from './_lib/columns.js';
import { mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';

export default defineRule({
  id: 'alter-field-not-null-backfill-in-migration',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'table-lock',
  summary: 'AlterField null → NOT NULL with a default backfills the whole table in one UPDATE inside the migration.',
  messages: {
    backfillInMigration:
      'AlterField `{{field}}` on `{{model}}` fills every NULL with {{value}} in one table-wide UPDATE and then sets NOT NULL in the same step: the updated rows stay locked until it finishes, which on a large table means minutes of blocked writes.',
  },
  why: [
    'When a nullable column becomes NOT NULL and the new field has a default (including the one-off default from the',
    'makemigrations prompt, `preserve_default=False`, or a `db_default`), Django does four things in one go: set the',
    'column default, `UPDATE <table> SET <col> = <default> WHERE <col> IS NULL`, `SET NOT NULL`, and drop the default',
    'again.',
    '',
    'The UPDATE is a single statement over the whole table. On PostgreSQL it runs inside the migration transaction, so',
    'every updated row stays locked (and the ACCESS EXCLUSIVE lock of `SET NOT NULL` follows) until the migration',
    'commits; it also bloats the table and floods replication. On MySQL and Oracle there is no transactional DDL, but',
    'the statement still locks every row it touches for its whole duration. Any NULL the old code writes after the',
    'UPDATE and before `SET NOT NULL` makes the migration fail.',
  ].join('\n'),
  safeAlternative: [
    'Move the backfill out of the schema change, into batches that commit on their own, then tighten the column.',
    '',
    '1. `0042_backfill_order_note.py`:',
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
    '    atomic = False  # one short transaction per batch',
    '',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [migrations.RunPython(fill_note, migrations.RunPython.noop, elidable=True)]',
    '```',
    '',
    '2. Deploy code that always sets `note` (model: `note = models.TextField(default="")`).',
    '',
    '3. After the rollout, set NOT NULL without Django\'s four-step default dance. On PostgreSQL 12+ use the',
    '   CHECK … NOT VALID / VALIDATE migrations of `alter-field-set-not-null` first, then:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0042_backfill_order_note")]',
    '',
    '    operations = [',
    '        migrations.SeparateDatabaseAndState(',
    '            database_operations=[',
    '                migrations.RunSQL(',
    '                    sql="ALTER TABLE shop_order ALTER COLUMN note SET NOT NULL;",',
    '                    reverse_sql="ALTER TABLE shop_order ALTER COLUMN note DROP NOT NULL;",',
    '                ),',
    '            ],',
    '            # The default stays a Python-side default; no UPDATE runs here.',
    '            state_operations=[',
    '                migrations.AlterField(model_name="order", name="note", field=models.TextField(default="")),',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    'On MySQL/MariaDB step 3 is `ALTER TABLE shop_order MODIFY note longtext NOT NULL;` in the same shape.',
    '',
    'Verify before step 3: `SELECT count(*) FROM shop_order WHERE note IS NULL;` returns 0 (re-run step 1 if the old',
    'code wrote NULLs meanwhile). Rollback: step 3 reverses to DROP NOT NULL; the backfill needs no undo.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#alterfield', 'https://docs.djangoproject.com/en/stable/howto/writing-migrations/#non-atomic-migrations'],
  operationTypes: ['AlterField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const before = previousField(visit, ctx.migration.app);
      const after = op.field;
      if (!before || !after || !bothHaveColumns(before, after)) return;
      if (!isNullable(before) || !isNotNull(after)) return;
      const value = fillValue(after);
      if (value) ctx.report({ messageId: 'backfillInMigration', op, arg: 'field', data: { field: op.name ?? '?', model: modelLabel(visit), value: describeValue(value) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'one-off default from the makemigrations prompt',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="note",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
    ]
`,
        path: 'shop/migrations/0002_order_note_not_null.py',
        context: shopContext(),
        expect: [{ messageId: 'backfillInMigration', line: 11 }],
      },
    ],
    good: [
      {
        name: 'batched backfill, then NOT NULL without an UPDATE',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE shop_order ALTER COLUMN note SET NOT NULL;",
                    reverse_sql="ALTER TABLE shop_order ALTER COLUMN note DROP NOT NULL;",
                ),
            ],
            state_operations=[
                migrations.AlterField(model_name="order", name="note", field=models.TextField(default="")),
            ],
        ),
    ]
`,
        path: 'shop/migrations/0003_order_note_not_null.py',
        context: shopContext(),
      },
      {
        name: 'NOT NULL without a default, and a default on a column that already was NOT NULL',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="note", field=models.TextField()),
        migrations.AlterField(model_name="order", name="status", field=models.CharField(max_length=16, default="new")),
    ]
`,
        path: 'shop/migrations/0002_order_fields.py',
        context: shopContext(),
      },
    ],
  },
});

/** The value Django writes into NULL rows: the field's `default`, else its `db_default`. */
function fillValue(field: FieldDef): PyValue | undefined {
  const value = field.kwargs['default'];
  if (value && value.kind !== 'none') return value;
  return dbDefault(field);
}
