import { defineRule } from './types.js';
import { runPythonCallables, runsInTransaction, withHelpers } from './_lib/runpython.js';

export default defineRule({
  id: 'runpython-schema-editor-nontransactional',
  severity: 'warning',
  databases: { mysql: '*', mariadb: '*', oracle: '*' },
  category: 'data-migration',
  summary: 'RunPython that uses schema_editor inside a transaction fails on MySQL, MariaDB and Oracle.',
  messages: {
    schemaEditorInTransaction:
      '`{{function}}` runs DDL through `schema_editor` while Django wraps the RunPython in a transaction: on {{database}} this raises "TransactionManagementError: Executing DDL statements while in a transaction on databases that can\'t perform a rollback is prohibited."',
  },
  why: [
    'MySQL, MariaDB and Oracle cannot roll back DDL, so Django refuses to run schema changes inside an atomic',
    'block on them. It still wraps each RunPython in a transaction by default (`atomic` is on unless the',
    'migration or the operation turns it off). A function that calls `schema_editor.execute(...)`,',
    '`add_field`, `create_model` and the like therefore stops with `TransactionManagementError` on these',
    'databases, although the same migration passes on PostgreSQL and SQLite in development.',
  ].join('\n'),
  safeAlternative: [
    'Run the operation outside a transaction, and make the function safe to re-run because nothing rolls it back:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'def add_search_index(apps, schema_editor):',
    '    if schema_editor.connection.vendor != "mysql":',
    '        return',
    '    schema_editor.execute(',
    '        "ALTER TABLE catalog_product ADD FULLTEXT INDEX catalog_product_ft (name, description)"',
    '    )',
    '',
    '',
    'def drop_search_index(apps, schema_editor):',
    '    if schema_editor.connection.vendor == "mysql":',
    '        schema_editor.execute("ALTER TABLE catalog_product DROP INDEX catalog_product_ft")',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("catalog", "0015_product_description")]',
    '',
    '    operations = [',
    '        migrations.RunPython(add_search_index, drop_search_index, atomic=False),',
    '    ]',
    '```',
    '',
    '1. Pass `atomic=False` to the RunPython (or set `atomic = False` on the migration).',
    '2. Keep the DDL step alone in its migration: without a transaction a failure leaves it half done, and a',
    '   rerun must be able to cope (check for the index or column before creating it).',
    '3. Prefer a schema operation (`AddIndex`, `RunSQL` with `reverse_sql`) over `schema_editor` calls when the',
    '   change can be expressed as one; the migration state then knows about it too.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython'],
  operationTypes: ['RunPython'],
  check(ctx) {
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      if (!runsInTransaction(op, ctx.isAtomic)) return;
      for (const { slot, fn } of runPythonCallables(op, ctx.migration)) {
        if (!fn || slot !== 'code') return;
        const user = withHelpers(fn, ctx.migration).find((body) => body.usesSchemaEditor);
        if (user) ctx.report({ messageId: 'schemaEditorInTransaction', line: user.line, data: { function: user.name, database: ctx.settings.database } });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'schema_editor.execute in a default RunPython on MySQL',
        path: 'catalog/migrations/0016_search_index.py',
        settings: { database: 'mysql' },
        code: `from django.db import migrations


def add_search_index(apps, schema_editor):
    schema_editor.execute(
        "ALTER TABLE catalog_product ADD FULLTEXT INDEX catalog_product_ft (name, description)"
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0015_product_description")]

    operations = [
        migrations.RunPython(add_search_index, migrations.RunPython.noop),
    ]
`,
        expect: [{ messageId: 'schemaEditorInTransaction', line: 4 }],
      },
    ],
    good: [
      {
        name: 'atomic=False on the operation',
        path: 'catalog/migrations/0016_search_index.py',
        settings: { database: 'mysql' },
        code: `from django.db import migrations


def add_search_index(apps, schema_editor):
    schema_editor.execute(
        "ALTER TABLE catalog_product ADD FULLTEXT INDEX catalog_product_ft (name, description)"
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0015_product_description")]

    operations = [
        migrations.RunPython(add_search_index, migrations.RunPython.noop, atomic=False),
    ]
`,
      },
      {
        name: 'only reads the connection alias',
        path: 'catalog/migrations/0017_fill_slugs.py',
        settings: { database: 'oracle' },
        code: `from django.db import migrations


def fill_slugs(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    db = schema_editor.connection.alias
    Product.objects.using(db).filter(slug="").update(slug="n-a")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0016_search_index")]

    operations = [
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
    ]
`,
      },
    ],
  },
});
