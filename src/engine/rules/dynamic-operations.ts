import { defineRule } from './types.js';
import { ALL_DATABASES } from './_lib/databases.js';

/**
 * The parser's `dynamic-operations` problems (docs/parser.md): operations it could not read without
 * running the code. The runner leaves problems with a rule's id to that rule, so this is their only report.
 */
export default defineRule({
  id: 'dynamic-operations',
  severity: 'info',
  databases: ALL_DATABASES,
  category: 'hygiene',
  summary: 'Operations built by code the linter does not run (a loop, a helper call, a comprehension): no rule checked them.',
  messages: {
    unread: '{{what}} No rule checked these operations: review them by hand (`sqlmigrate` shows their SQL).',
  },
  why: [
    'migrate-help reads migration files without importing them. It reads literal operation lists, lists joined',
    'with `+`, `operations += [...]`, `.append()`/`.extend()`/`.insert()`, and every branch of `if`/`elif`/`else`',
    'blocks and conditional expressions (each finding there says which condition it depends on). What only',
    'running the code would tell is not read: operations appended in a `for` or `while` loop, returned by a helper',
    'function, built by a comprehension or unpacked from a computed list. Those operations may lock or rewrite a',
    'table or drop data like any other, but no rule saw them. This finding names each such place so that a',
    'reviewer can check it by hand; it is not a risk in itself.',
  ].join('\n'),
  safeAlternative: [
    'Either write the operations out, so every rule checks them, or review the SQL Django will run:',
    '',
    '1. Prefer a literal list (what `makemigrations` writes). Instead of',
    '',
    '```python',
    'class Migration(migrations.Migration):',
    '    operations = []',
    '    for model_name in ["order", "invoice"]:',
    '        operations.append(migrations.AddField(model_name, "note", models.TextField(default="")))',
    '```',
    '',
    '   write',
    '',
    '```python',
    'class Migration(migrations.Migration):',
    '    operations = [',
    '        migrations.AddField("order", "note", models.TextField(default="")),',
    '        migrations.AddField("invoice", "note", models.TextField(default="")),',
    '    ]',
    '```',
    '',
    '2. Where the list must stay computed (a vendor-specific helper, many generated indexes), print the SQL for the',
    '   database you deploy to and review it as you would review the operations:',
    '',
    '```bash',
    'python manage.py sqlmigrate shop 0042_notes',
    '```',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/django-admin/#sqlmigrate'],
  check(ctx) {
    for (const problem of ctx.migration.problems) {
      if (problem.code !== 'dynamic-operations') continue;
      ctx.report({ messageId: 'unread', line: problem.line || ctx.migration.classLine || 1, data: { what: problem.message } });
    }
  },
  cases: {
    bad: [
      {
        name: 'operations appended in a loop',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = []
    for model_name in ["order", "invoice"]:
        operations.append(migrations.AddField(model_name, "note", models.TextField(default="")))
`,
        expect: [{ messageId: 'unread', line: 8 }],
      },
      {
        name: 'operations returned by a helper',
        code: `from django.db import migrations


def index_operations():
    return [migrations.RunSQL(f"CREATE INDEX {name} ON shop_order ({name})") for name in ("a", "b")]


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [migrations.RunSQL("SELECT 1", migrations.RunSQL.noop)] + index_operations()
`,
        expect: [{ messageId: 'unread', line: 11 }],
      },
    ],
    good: [
      {
        name: 'operations under if/else and +=: read, every branch checked',
        code: `from django.conf import settings
from django.db import connection, migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [migrations.AddField("order", "note", models.TextField(default=""))]

    if connection.vendor == "postgresql":
        operations += [migrations.RunSQL("SELECT 1", migrations.RunSQL.noop)]
    else:
        operations.append(migrations.RunSQL("SELECT 2", migrations.RunSQL.noop))
`,
      },
    ],
  },
});
