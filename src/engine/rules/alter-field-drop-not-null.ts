import { defineRule } from './types.js';
import { isNotNull, isNullable } from './_lib/fields.js';
import { shopContext } from './_lib/cases.js';
import { bothHaveColumns } from './_lib/columns.js';
import { mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';

export default defineRule({
  id: 'alter-field-drop-not-null',
  severity: 'info',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rolling-deploy',
  summary: 'AlterField NOT NULL → null=True is cheap for the database, but readers may not expect NULL.',
  messages: {
    allowsNull:
      'AlterField `{{field}}` on `{{model}}` lets the column hold NULL: cheap for the database, but code, reports and data consumers that assume a value will meet NULL once new rows arrive.',
  },
  why: [
    'Dropping NOT NULL is a catalog change on PostgreSQL (brief ACCESS EXCLUSIVE lock, no scan) and an in-place change on',
    'MySQL 8; SQLite rebuilds the table. Old code keeps working, since it always wrote a value.',
    '',
    'The risk is on the reading side: templates, serializers, `order_by`, aggregates, exports and downstream jobs',
    'written for a column that was never NULL. It is often the right first step of removing a field, and then nothing',
    'needs to change; otherwise make sure the readers cope before new code starts writing NULL.',
  ].join('\n'),
  safeAlternative: [
    'If this is the first step of removing the field (see `remove-field`), it is the safe move: keep it.',
    '',
    'If the column stays, check the readers, or avoid NULL altogether with a database default (Django 5.0+), which keeps',
    'the column NOT NULL and still lets code that omits the field insert rows:',
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
    '            name="status",',
    '            field=models.CharField(max_length=16, db_default="new"),',
    '        ),',
    '    ]',
    '```',
    '',
    'Verify: `grep -rn "\\.status" --include=*.py --include=*.html .` for readers that assume a value; after the',
    'deploy, `SELECT count(*) FROM shop_order WHERE status IS NULL;` shows how many rows use NULL. Rollback: making the',
    'column NOT NULL again is a contract step (see `alter-field-set-not-null`) once NULLs exist.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/models/fields/#null'],
  operationTypes: ['AlterField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const before = previousField(visit, ctx.migration.app);
      const after = op.field;
      if (!before || !after || !bothHaveColumns(before, after)) return;
      if (isNotNull(before) && isNullable(after)) ctx.report({ messageId: 'allowsNull', op, arg: 'field', data: { field: op.name ?? '?', model: modelLabel(visit) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'NOT NULL column made nullable',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(max_length=16, null=True),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_status_nullable.py',
        context: shopContext(),
        expect: [{ messageId: 'allowsNull', line: 11 }],
      },
    ],
    good: [
      {
        name: 'database default instead of NULL',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(max_length=16, db_default="new"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_status_default.py',
        context: shopContext(),
      },
      {
        name: 'already nullable, and a model created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="note", field=models.TextField(null=True, blank=True)),
        migrations.CreateModel(
            name="Refund",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("reason", models.TextField()),
            ],
        ),
        migrations.AlterField(model_name="refund", name="reason", field=models.TextField(null=True)),
    ]
`,
        path: 'shop/migrations/0002_misc.py',
        context: shopContext(),
      },
    ],
  },
});
