import type { MigrationFile } from '../types.js';
import { defineRule } from './types.js';

/** Line of the dependency entry in `file` that leads to `next` (`app.name`); the class line when it came another way. */
function edgeLine(file: MigrationFile, next: string): number {
  const app = next.slice(0, next.indexOf('.'));
  const name = next.slice(next.indexOf('.') + 1);
  let fallback: number | undefined;
  for (const dep of file.dependencies) {
    if (!('app' in dep) || dep.app !== app) continue;
    if (dep.name === name) return dep.line;
    if (dep.name === '__first__' || dep.name === '__latest__') fallback ??= dep.line;
  }
  return fallback ?? (file.classLine || 1);
}

export default defineRule({
  id: 'dependency-cycle',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'graph',
  summary: 'Migrations depend on each other in a circle: Django cannot order them and migrate stops.',
  messages: {
    inCycle: 'This migration is part of a dependency cycle ({{cycle}}): it depends on `{{next}}`, which depends back on it. Django stops with CircularDependencyError: {{django}}',
  },
  why: [
    'Django applies a migration only after everything it depends on. When dependencies form a circle (usually two',
    'apps whose initial migrations create foreign keys to each other, or a squash that pulled a cross-app dependency',
    'forward), no order exists: `migrate`, `makemigrations` and `showmigrations` all stop with CircularDependencyError',
    'on every environment, before touching the database.',
  ].join('\n'),
  safeAlternative: [
    'Break the circle by moving one cross-app foreign key (and its dependency) into a later migration:',
    '',
    '```python',
    '# billing/migrations/0001_initial.py: create the model without the foreign key to shop',
    'class Migration(migrations.Migration):',
    '    initial = True',
    '    dependencies = []  # no longer depends on shop',
    '',
    '    operations = [',
    '        migrations.CreateModel(name="Invoice", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),',
    '    ]',
    '',
    '',
    '# billing/migrations/0002_invoice_order.py: add the foreign key once shop exists',
    'class Migration(migrations.Migration):',
    '    dependencies = [("billing", "0001_initial"), ("shop", "0001_initial")]',
    '',
    '    operations = [',
    '        migrations.AddField(',
    '            model_name="invoice",',
    '            name="order",',
    '            field=models.ForeignKey(null=True, on_delete=models.PROTECT, to="shop.order"),',
    '        ),',
    '    ]',
    '```',
    '',
    '1. `makemigrations` does this split itself when it generates both apps at once; a hand edit or a squash undid it.',
    '2. If a squash created the circle, re-run `squashmigrations` with an earlier end point, or split the squashed file.',
    '3. If the migrations are already applied somewhere, only move dependencies to later migrations that are not applied yet.',
    '4. Verify with `python manage.py migrate --plan`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/topics/migrations/#squashing-migrations'],
  checkProject(ctx) {
    const byId = new Map<string, MigrationFile>();
    for (const file of ctx.files) byId.set(`${file.app}.${file.name}`, file);
    for (const cycle of ctx.graph.cycles) {
      const text = cycle.path.join(' → ');
      for (let i = 0; i < cycle.path.length - 1; i++) {
        const file = byId.get(cycle.path[i]!);
        const next = cycle.path[i + 1]!;
        if (!file) continue;
        ctx.reportAt(file, { messageId: 'inCycle', line: edgeLine(file, next), data: { cycle: text, next, django: cycle.message } });
      }
    }
  },
  cases: {
    bad: [
      {
        name: 'two initial migrations depending on each other',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("billing", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("invoice", models.ForeignKey(null=True, on_delete=models.PROTECT, to="billing.invoice")),
            ],
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
        context: {
          'billing/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Invoice",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("order", models.ForeignKey(on_delete=models.PROTECT, to="shop.order")),
            ],
        ),
    ]
`,
        },
        expect: [{ messageId: 'inCycle', line: 7 }],
      },
    ],
    good: [
      {
        name: 'the second foreign key moved to a later migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_initial"),
        ("billing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="invoice",
            field=models.ForeignKey(null=True, on_delete=models.PROTECT, to="billing.invoice"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_invoice.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
    ]
`,
          'billing/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Invoice",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("order", models.ForeignKey(on_delete=models.PROTECT, to="shop.order")),
            ],
        ),
    ]
`,
        },
      },
    ],
  },
});
