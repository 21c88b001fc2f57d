import type { MigrationFile } from '../types.js';
import { defineRule } from './types.js';

export default defineRule({
  id: 'replaces-inconsistent',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'graph',
  summary: 'A squash transition left half done: dependents still name deleted migrations, or only some replaced files remain.',
  messages: {
    dependsOnReplaced:
      'Depends on `{{target}}`, which was deleted and now resolves only through the `replaces` list of `{{squashed}}`: the day `replaces` is removed, Django stops with NodeNotFoundError.',
    partiallyPresent:
      '`{{squashed}}` replaces migrations of which only some still exist ({{detail}}): a database that applied some but not all of them cannot use the squash, and Django stops with NodeNotFoundError.',
    replacedFilesGone:
      '`{{squashed}}` still lists `replaces` although none of the migrations it replaces exist: once every database has applied it, the transition can be finished.',
  },
  why: [
    'A squashed migration stands in for the migrations in its `replaces` list. Django uses it when none or all of',
    'them are applied on a database, and ignores it when only some are. The transition has an order: keep the old',
    'files until every database has migrated past them, then delete them, point every dependency at the squashed',
    'migration, and remove `replaces`. Skipping a step breaks the graph later: a dependency on a deleted replaced',
    'migration works only while `replaces` lists it, and deleting only some replaced files breaks databases that',
    'stopped in the middle of the squashed range (NodeNotFoundError "Django tried to replace migration … but wasn\'t',
    'able to because some of the replaced migrations are already applied").',
    '',
    'Reusable apps that users upgrade from old versions keep `replaces` on purpose; for them the third message is',
    'information only.',
  ].join('\n'),
  safeAlternative: [
    'Finish the squash transition in order:',
    '',
    '```bash',
    'python manage.py showmigrations shop        # on every database: all replaced migrations applied? ([X])',
    'python manage.py migrate shop               # bring lagging databases past the squashed range first',
    '```',
    '',
    '1. Point every dependency on a replaced migration at the squashed one:',
    '',
    '```python',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0001_squashed_0040_order_status")]  # was ("shop", "0040_order_status")',
    '```',
    '',
    '2. Only when every database has applied the squash, delete all replaced files together (never some of them),',
    '   then remove the `replaces` attribute from the squashed migration.',
    '3. Clean up the history table rows of the deleted migrations: `python manage.py migrate --prune` (Django 4.1+).',
    '4. Check with `python manage.py migrate --plan` on a copy of production before deploying.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/topics/migrations/#squashing-migrations'],
  checkProject(ctx) {
    const byPath = new Map<string, MigrationFile>();
    for (const file of ctx.files) byPath.set(file.path, file);
    for (const stale of ctx.graph.staleReplaces) {
      const file = byPath.get(stale.path);
      if (!file) continue;
      const squashed = `${stale.squashed.app}.${stale.squashed.name}`;
      if (stale.kind === 'depends-on-replaced') {
        const target = stale.target ? `${stale.target.app}.${stale.target.name}` : 'a replaced migration';
        ctx.reportAt(file, { messageId: 'dependsOnReplaced', line: stale.line, data: { target, squashed } });
      } else if (stale.kind === 'partially-present') {
        const detail = stale.absent && stale.absent.length > 0 ? `missing: ${stale.absent.join(', ')}` : 'some are missing';
        ctx.reportAt(file, { messageId: 'partiallyPresent', line: stale.line, data: { squashed, detail } });
      } else {
        // Finished transitions of reusable apps keep `replaces` on purpose: say it, do not warn.
        ctx.reportAt(file, { messageId: 'replacedFilesGone', line: stale.line, data: { squashed }, severity: 'info' });
      }
    }
  },
  cases: {
    bad: [
      {
        name: 'dependency on a deleted replaced migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0002_order_status"),
    ]

    operations = [
        migrations.AddField(model_name="order", name="note", field=models.TextField(null=True)),
    ]
`,
        path: 'shop/migrations/0003_order_note.py',
        context: {
          'shop/migrations/0001_squashed_0002_order_status.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("shop", "0001_initial"), ("shop", "0002_order_status")]
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("status", models.CharField(max_length=20, null=True)),
            ],
        ),
    ]
`,
        },
        expect: [{ messageId: 'dependsOnReplaced', line: 6 }],
      },
      {
        name: 'only some replaced migrations deleted',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("shop", "0001_initial"), ("shop", "0002_order_status")]
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("status", models.CharField(max_length=20, null=True)),
            ],
        ),
    ]
`,
        path: 'shop/migrations/0001_squashed_0002_order_status.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
    ]
`,
        },
        expect: [{ messageId: 'partiallyPresent', line: 4 }],
      },
    ],
    good: [
      {
        name: 'squash with all replaced files still present, dependents on the squash',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_squashed_0002_order_status"),
    ]

    operations = [
        migrations.AddField(model_name="order", name="note", field=models.TextField(null=True)),
    ]
`,
        path: 'shop/migrations/0003_order_note.py',
        context: {
          'shop/migrations/0001_squashed_0002_order_status.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("shop", "0001_initial"), ("shop", "0002_order_status")]
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("status", models.CharField(max_length=20, null=True)),
            ],
        ),
    ]
`,
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
    ]
`,
          'shop/migrations/0002_order_status.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="status", field=models.CharField(max_length=20, null=True)),
    ]
`,
        },
      },
    ],
  },
});
