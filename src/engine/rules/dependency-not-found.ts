import type { MigrationFile } from '../types.js';
import { defineRule } from './types.js';

export default defineRule({
  id: 'dependency-not-found',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'graph',
  summary: 'A dependency or run_before names a migration of one of our apps that does not exist.',
  messages: {
    missingParent: 'This migration depends on `{{target}}`, which is not in the tree: Django stops with NodeNotFoundError: {{django}}',
    missingChild: '`run_before` names `{{target}}`, which is not in the tree: Django stops with NodeNotFoundError: {{django}}',
  },
  why: [
    'Django builds the whole migration graph before it runs anything. A dependency on a migration file that does not',
    'exist (renamed, deleted after a squash, left on another branch, a typo) makes every `migrate`, `makemigrations` and',
    '`showmigrations` fail with NodeNotFoundError, on every environment that gets this code. Dependencies on apps this',
    'tree does not contain (Django contrib, third-party packages) are not checked: their migrations ship with the package.',
  ].join('\n'),
  safeAlternative: [
    'Point the dependency at a migration that exists, usually the latest migration of that app:',
    '',
    '```bash',
    'python manage.py showmigrations shop            # the migrations Django can see, in order',
    'git log --oneline --diff-filter=DR -- shop/migrations/   # was the target renamed or deleted?',
    '```',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [',
    '        ("shop", "0041_order_status"),  # the migration that really exists',
    '    ]',
    '',
    '    operations = []',
    '```',
    '',
    '1. If the target was squashed away, depend on the squashed migration (`0001_squashed_0040_…`).',
    '2. If it lives on another branch, merge that branch first, or depend on what your branch has.',
    '3. Delete stale `__pycache__` folders after renames: Django also loads migrations from `.pyc` files.',
    '4. Check with `python manage.py migrate --plan` that the graph loads before you deploy.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/topics/migrations/#migration-files'],
  checkProject(ctx) {
    const byPath = new Map<string, MigrationFile>();
    for (const file of ctx.files) byPath.set(file.path, file);
    for (const missing of ctx.graph.missing) {
      const file = byPath.get(missing.path);
      if (!file) continue;
      ctx.reportAt(file, {
        messageId: missing.via === 'run_before' ? 'missingChild' : 'missingParent',
        line: missing.line,
        data: { target: `${missing.missing.app}.${missing.missing.name}`, django: missing.message },
      });
    }
  },
  cases: {
    bad: [
      {
        name: 'dependency on a migration that was renamed',
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
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
    ]
`,
          'shop/migrations/0002_order_state.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="state", field=models.CharField(max_length=20, null=True)),
    ]
`,
        },
        expect: [{ messageId: 'missingParent', line: 6 }],
      },
      {
        name: 'run_before names a migration that does not exist',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    run_before = [("shop", "0009_invoice")]

    operations = []
`,
        path: 'billing/migrations/0002_prepare.py',
        context: {
          'billing/migrations/0001_initial.py': `from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
`,
          'shop/migrations/0001_initial.py': `from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
`,
        },
        expect: [{ messageId: 'missingChild', line: 4 }],
      },
    ],
    good: [
      {
        name: 'dependencies on existing and on third-party apps',
        code: `from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(model_name="order", name="note", field=models.TextField(null=True)),
    ]
`,
        path: 'shop/migrations/0002_order_note.py',
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
      },
    ],
  },
});
