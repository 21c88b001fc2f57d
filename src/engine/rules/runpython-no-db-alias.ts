import { defineRule } from './types.js';
import { ALL_DATABASES } from './_lib/databases.js';
import { runPythonCallables, withHelpers } from './_lib/runpython.js';

/** `X.objects.using(...)`, `X._default_manager.db_manager(...)`: the code names its database. */
const ROUTED_CALL = /\.(?:using|db_manager)$/;

export default defineRule({
  id: 'runpython-no-db-alias',
  severity: 'info',
  databases: ALL_DATABASES,
  optIn: true,
  category: 'data-migration',
  summary: 'RunPython queries that ignore schema_editor.connection.alias run against the default database.',
  messages: {
    defaultDatabase:
      '`{{function}}` queries `{{model}}.objects` without `.using(schema_editor.connection.alias)`: when the migration runs with `migrate --database=<other>`, these queries still read and write the default database.',
  },
  why: [
    'A migration runs against the database named by `migrate --database` (Django\'s default: `default`), and',
    'the schema editor it passes to RunPython is connected to that database. Querysets in the RunPython code do',
    'not know that: without `.using(schema_editor.connection.alias)` they go wherever the routers send them,',
    'which is `default` unless a router says otherwise. In a multi-database project the schema change lands on',
    'one database and the data change on another, silently. This rule is opt-in because single-database',
    'projects are not affected.',
  ].join('\n'),
  safeAlternative: [
    'Take the alias from the schema editor and route every query through it:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'def fill_country_names(apps, schema_editor):',
    '    Country = apps.get_model("geo", "Country")',
    '    db_alias = schema_editor.connection.alias',
    '    Country.objects.using(db_alias).filter(name="").update(name="Unknown")',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("geo", "0004_country_name")]',
    '',
    '    operations = [',
    '        migrations.RunPython(fill_country_names, migrations.RunPython.noop),',
    '    ]',
    '```',
    '',
    '1. Start each queryset with `.using(db_alias)` (or `Model._default_manager.db_manager(db_alias)`), including',
    '   in helper functions.',
    '2. If the migration must only run on one database, say so with `hints={"target_db": "default"}` on the',
    '   RunPython and an `allow_migrate` router that reads the hint.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython', 'https://docs.djangoproject.com/en/stable/topics/migrations/#data-migrations'],
  operationTypes: ['RunPython'],
  check(ctx) {
    const reported = new Set<string>();
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      for (const { fn } of runPythonCallables(op, ctx.migration)) {
        if (!fn || reported.has(fn.name)) return;
        const body = withHelpers(fn, ctx.migration);
        const uses = body.flatMap((info) => info.managerUses.map((use) => ({ ...use, function: info.name })));
        // One routed call counts for the whole function: the parser sees `X.objects.using(...)`, not every chain.
        if (uses.length === 0 || body.some((info) => info.calls.some((call) => ROUTED_CALL.test(call)))) return;
        reported.add(fn.name);
        const first = uses.reduce((a, b) => (b.line < a.line ? b : a));
        ctx.report({ messageId: 'defaultDatabase', op, line: first.line, data: { function: first.function, model: first.name } });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'queries without using()',
        path: 'geo/migrations/0005_fill_country_names.py',
        settings: { enabledRules: ['runpython-no-db-alias'] },
        code: `from django.db import migrations


def fill_country_names(apps, schema_editor):
    Country = apps.get_model("geo", "Country")
    Country.objects.filter(name="").update(name="Unknown")


class Migration(migrations.Migration):
    dependencies = [("geo", "0004_country_name")]

    operations = [
        migrations.RunPython(fill_country_names, migrations.RunPython.noop),
    ]
`,
        expect: [{ messageId: 'defaultDatabase', line: 6 }],
      },
    ],
    good: [
      {
        name: 'every query routed through the schema editor alias',
        path: 'geo/migrations/0005_fill_country_names.py',
        settings: { enabledRules: ['runpython-no-db-alias'] },
        code: `from django.db import migrations


def fill_country_names(apps, schema_editor):
    Country = apps.get_model("geo", "Country")
    db_alias = schema_editor.connection.alias
    Country.objects.using(db_alias).filter(name="").update(name="Unknown")


class Migration(migrations.Migration):
    dependencies = [("geo", "0004_country_name")]

    operations = [
        migrations.RunPython(fill_country_names, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'no queryset at all (schema_editor SQL)',
        path: 'geo/migrations/0005_country_trigram.py',
        settings: { enabledRules: ['runpython-no-db-alias'] },
        code: `from django.db import migrations


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS geo_country_name_trgm ON geo_country USING gin (name gin_trgm_ops)")


class Migration(migrations.Migration):
    dependencies = [("geo", "0004_country_name")]

    operations = [
        migrations.RunPython(add_trigram_index, migrations.RunPython.noop),
    ]
`,
      },
    ],
  },
});
