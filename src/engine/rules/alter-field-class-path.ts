import { defineRule } from './types.js';
import { mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';

/** Django re-exports its fields from shorter modules: `django.db.models.fields.json.JSONField` is `django.db.models.JSONField`. */
function canonical(path: string, type: string): string {
  if (path === `models.${type}` || path.startsWith('django.db.models.')) return `django.db.models.${type}`;
  if (path.startsWith('django.contrib.postgres.fields.')) return `django.contrib.postgres.fields.${type}`;
  return path;
}

/** Moves Django documents as the same column type on PostgreSQL (the contrib field was kept as an alias of the core one). */
const SAME_COLUMN: ReadonlySet<string> = new Set(['django.contrib.postgres.fields.JSONField>django.db.models.JSONField']);

export default defineRule({
  id: 'alter-field-class-path',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  summary: 'AlterField keeps the field\'s class name but changes the class it comes from (`jsonfield.JSONField` → `models.JSONField`): the column type or the stored format may change.',
  messages: {
    classPathChanged:
      'AlterField `{{field}}` on `{{model}}` swaps `{{from}}` for `{{to}}`: same class name, different field class, so the column type and the way values are stored and read may change (for example text to jsonb, rewriting the table and failing on rows that are not valid JSON).',
    sameColumnOtherClass:
      'AlterField `{{field}}` on `{{model}}` swaps `{{from}}` for `{{to}}`: the column stays the same on PostgreSQL, but check custom `encoder`/`decoder` arguments and code that relied on the old class.',
  },
  why: [
    'Two classes with one name are not one field. A third-party `jsonfield.JSONField` stores JSON as text; Django\'s',
    '`models.JSONField` uses `jsonb` on PostgreSQL and JSON on MySQL/MariaDB, so the migration runs `ALTER COLUMN … TYPE',
    'jsonb USING …`: the table is rewritten under an ACCESS EXCLUSIVE lock, and the migration fails on the first row that',
    'is not valid JSON (empty strings are common). Old code still running during the deploy may read or write the values',
    'in the old format. A rule that compares only the class name (`JSONField` = `JSONField`) sees nothing, so this one',
    'compares the import path each migration file resolves.',
  ].join('\n'),
  safeAlternative: [
    'Check the data first, then change the type in a migration of its own, at a quiet time:',
    '',
    '```sql',
    '-- PostgreSQL: rows the cast to jsonb would reject',
    'SELECT id, payload FROM shop_event WHERE payload IS NOT NULL AND payload !~ \'^\\s*[\\[{"0-9tfn-]\';',
    '```',
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
    '            model_name="event",',
    '            name="payload",',
    '            field=models.JSONField(null=True),',
    '        ),',
    '    ]',
    '```',
    '',
    'On a large table, add a new `models.JSONField` column instead, copy the values in batches (fixing the ones that are',
    'not JSON), switch the code, and drop the old column in a later release (see `remove-field`).',
    '',
    'Verify: `python manage.py sqlmigrate shop 0042_event_payload_json` shows the `ALTER COLUMN … TYPE` it will run.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/models/fields/#jsonfield'],
  operationTypes: ['AlterField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit) || !op.field?.classPath) return;
      const before = previousField(visit, ctx.migration.app);
      if (!before?.classPath || before.type !== op.field.type) return;
      const from = canonical(before.classPath, before.type);
      const to = canonical(op.field.classPath, op.field.type);
      if (from === to) return;
      const same = ctx.settings.database === 'postgresql' && SAME_COLUMN.has(`${from}>${to}`);
      ctx.report({ messageId: same ? 'sameColumnOtherClass' : 'classPathChanged', op, arg: 'field', severity: same ? 'info' : undefined, data: { field: op.name ?? '?', model: modelLabel(visit), from, to } });
    });
  },
  cases: {
    bad: [
      {
        name: 'jsonfield.JSONField to models.JSONField',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="payload",
            field=models.JSONField(null=True),
        ),
    ]
`,
        path: 'shop/migrations/0002_event_payload_json.py',
        context: {
          'shop/migrations/0001_initial.py': `import jsonfield.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Event",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("payload", jsonfield.fields.JSONField(null=True)),
            ],
        ),
    ]
`,
        },
        expect: [{ messageId: 'classPathChanged', line: 11 }],
      },
      {
        name: 'contrib.postgres JSONField to models.JSONField (same jsonb column)',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="event", name="payload", field=models.JSONField(null=True)),
    ]
`,
        path: 'shop/migrations/0002_event_payload_core_json.py',
        context: {
          'shop/migrations/0001_initial.py': `import django.contrib.postgres.fields.jsonb
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Event",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("payload", django.contrib.postgres.fields.jsonb.JSONField(null=True)),
            ],
        ),
    ]
`,
        },
        expect: [{ messageId: 'sameColumnOtherClass', line: 8 }],
      },
    ],
    good: [
      {
        name: 'same class through another import spelling',
        code: `from django.db import migrations
from django.db.models import JSONField


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="event", name="payload", field=JSONField(null=True, blank=True)),
    ]
`,
        path: 'shop/migrations/0002_event_payload_blank.py',
        context: {
          'shop/migrations/0001_initial.py': `import django.db.models.fields.json
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Event",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("payload", django.db.models.fields.json.JSONField(null=True)),
            ],
        ),
    ]
`,
        },
      },
    ],
  },
});
