import { defineRule } from './types.js';

/** Django's loader skips module names starting with these (and packages). */
const SKIPPED_PREFIXES = ['_', '.', '~'];

export default defineRule({
  id: 'no-migration-class',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'graph',
  summary: 'A module in a migrations package has no `Migration` class: Django refuses to load any migration.',
  messages: {
    noMigrationClass:
      '`{{name}}.py` sits in the migrations package of `{{app}}` but defines no `Migration` class: Django stops with BadMigrationError ("Migration {{name}} in app {{app}} has no Migration class") on every migrate.',
  },
  why: [
    'Django imports every module in an app\'s `migrations` package whose name does not start with `_`, `.` or `~`, and',
    'each one must define `class Migration`. A helper module (`utils.py`), a file whose class was renamed, or a',
    'half-written migration makes `migrate`, `makemigrations` and `showmigrations` fail with BadMigrationError for the',
    'whole project, not just for that app.',
  ].join('\n'),
  safeAlternative: [
    'Keep only migrations in the package:',
    '',
    '1. Move helpers out of `migrations/` (for example `shop/migration_helpers.py`) and import them from there, or',
    '   prefix the module with an underscore (`migrations/_helpers.py`), which Django skips.',
    '2. If the file is meant to be a migration, name its class `Migration`:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = []',
    '```',
    '',
    '3. Check that the project loads: `python manage.py showmigrations shop`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/topics/migrations/#migration-files'],
  checkProject(ctx) {
    for (const file of ctx.files) {
      if (file.hasMigrationClass) continue;
      if (SKIPPED_PREFIXES.some((prefix) => file.name.startsWith(prefix))) continue;
      const line = file.problems.find((problem) => problem.code === 'no-migration-class')?.line || 1;
      ctx.reportAt(file, { messageId: 'noMigrationClass', line, data: { name: file.name, app: file.app } });
    }
  },
  cases: {
    bad: [
      {
        name: 'helper module inside migrations/',
        code: `from django.db.models import F


def copy_prices(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    Product.objects.update(price_net=F("price"))
`,
        path: 'shop/migrations/helpers.py',
        expect: [{ messageId: 'noMigrationClass', line: 1 }],
      },
    ],
    good: [
      {
        name: 'helper module with a leading underscore',
        code: `from django.db.models import F


def copy_prices(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    Product.objects.update(price_net=F("price"))
`,
        path: 'shop/migrations/_helpers.py',
      },
    ],
  },
});
