import type { MigrationFile } from '../types.js';
import { defineRule } from './types.js';

function shortName(id: string): string {
  return id.slice(id.indexOf('.') + 1);
}

export default defineRule({
  id: 'multiple-leaf-nodes',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'graph',
  summary: 'Two migrations of one app are both latest (parallel branches): migrate and makemigrations refuse to run.',
  messages: {
    multipleLeaves:
      '`{{app}}` has {{count}} latest migrations ({{leaves}}): this one is a branch tip nothing depends on. Django stops with "Conflicting migrations detected; multiple leaf nodes in the migration graph: ({{leaves}} in {{app}})" until the branches are merged.',
  },
  why: [
    'Every migration names its parent. When two branches each add a migration on the same parent (two pull requests',
    'both created `0042_…` from `0041_…`), the app ends with two leaves and Django cannot know which order is right:',
    '`migrate` and `makemigrations` both stop with "Conflicting migrations detected; multiple leaf nodes in the',
    "migration graph … To fix them run 'python manage.py makemigrations --merge'\". A deploy that runs `migrate` fails",
    'before touching the database. The two branches may also change the same model in incompatible ways, which is',
    'why Django asks a person to confirm the merge.',
  ].join('\n'),
  safeAlternative: [
    'Either merge the branches with a merge migration, or put your migration after the other one.',
    '',
    '**Merge** (the usual fix once both migrations are shared or applied somewhere):',
    '',
    '```bash',
    'python manage.py makemigrations --merge shop   # answer "y" after checking the operations do not clash',
    'python manage.py migrate --plan                  # the plan now contains both branches and the merge',
    '```',
    '',
    'The generated file only joins the two leaves:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [',
    '        ("shop", "0042_order_note"),',
    '        ("shop", "0042_order_status"),',
    '    ]',
    '',
    '    operations = []',
    '```',
    '',
    '**Rebase** (when your migration has not been applied to any shared database yet):',
    '',
    '```bash',
    'python manage.py migrate shop 0041_previous      # on your dev database, unapply your branch migration',
    'rm shop/migrations/0042_order_status.py',
    'git rebase origin/main                           # bring in 0042_order_note',
    'python manage.py makemigrations shop             # regenerates as 0043_…, depending on 0042_order_note',
    '```',
    '',
    'Never rewrite `dependencies` of a migration that production has already applied: Django then raises',
    'InconsistentMigrationHistory. In CI, `python manage.py makemigrations --check --dry-run` catches the conflict',
    'before merge.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/topics/migrations/#version-control', 'https://docs.djangoproject.com/en/stable/ref/django-admin/#cmdoption-makemigrations-merge'],
  checkProject(ctx) {
    const byId = new Map<string, MigrationFile>();
    for (const file of ctx.files) byId.set(`${file.app}.${file.name}`, file);
    for (const conflict of ctx.graph.conflicts) {
      const leaves = conflict.leaves.map(shortName).join(', ');
      for (const leaf of conflict.leaves) {
        const file = byId.get(leaf);
        if (!file) continue;
        ctx.reportAt(file, { messageId: 'multipleLeaves', line: file.classLine || 1, data: { app: conflict.app, count: conflict.leaves.length, leaves } });
      }
    }
  },
  cases: {
    bad: [
      {
        name: 'two branches on the same parent',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="status", field=models.CharField(max_length=20, null=True)),
    ]
`,
        path: 'shop/migrations/0002_order_status.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
    ]
`,
          'shop/migrations/0002_order_note.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="note", field=models.TextField(null=True)),
    ]
`,
        },
        expect: [{ messageId: 'multipleLeaves', line: 4 }],
      },
    ],
    good: [
      {
        name: 'a merge migration joins the branches',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0002_order_note"),
        ("shop", "0002_order_status"),
    ]

    operations = []
`,
        path: 'shop/migrations/0003_merge.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
    ]
`,
          'shop/migrations/0002_order_note.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="note", field=models.TextField(null=True)),
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
