import { defineRule } from './types.js';
import { callableName } from './_lib/runpython.js';

export default defineRule({
  id: 'runpython-irreversible',
  severity: 'info',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'data-migration',
  risk: 'rollback',
  summary: 'RunPython without reverse_code makes the whole migration impossible to roll back.',
  messages: {
    noReverse:
      'RunPython `{{code}}` has no `reverse_code`: `migrate` cannot go back past this migration (IrreversibleError), which blocks a rollback of this deploy and of every later migration of the app.',
  },
  why: [
    'Django can only unapply a migration when every operation in it has a reverse. A RunPython without',
    '`reverse_code` raises `IrreversibleError` the moment anyone runs `migrate <app> <earlier>`, so a bad',
    'deploy cannot be rolled back with the usual command, mid-incident, and neither can any migration that',
    'comes after it. Most data migrations either have a real inverse or have nothing to undo; both can be said.',
  ].join('\n'),
  safeAlternative: [
    'Give every RunPython a reverse. When undoing means nothing (the forward step only fills new data that the',
    'reverse schema change removes anyway), say so with `RunPython.noop`; otherwise write the inverse:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'def fill_display_name(apps, schema_editor):',
    '    Customer = apps.get_model("crm", "Customer")',
    '    Customer.objects.filter(display_name="").update(display_name=models.F("email"))',
    '',
    '',
    'def clear_display_name(apps, schema_editor):',
    '    Customer = apps.get_model("crm", "Customer")',
    '    Customer.objects.update(display_name="")',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("crm", "0007_customer_display_name")]',
    '',
    '    operations = [',
    '        migrations.RunPython(fill_display_name, clear_display_name),',
    '        # nothing to undo: migrations.RunPython(fill_display_name, migrations.RunPython.noop)',
    '    ]',
    '```',
    '',
    '1. Decide what rolling back means for the data; if the forward step is destructive (deletes or',
    '   overwrites), keep a copy first (a backup table, or an export) so the reverse can restore it.',
    '2. Test the round trip locally: `python manage.py migrate crm 0008` then `python manage.py migrate crm 0007`.',
    '3. If the step truly cannot be undone, keep `RunPython.noop` out and document in the migration why, so the',
    '   team knows a rollback needs `migrate --fake` plus a manual fix.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython'],
  operationTypes: ['RunPython'],
  check(ctx) {
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective || !op.code) return;
      if (op.reverseCode === null || op.reverseCode === undefined) {
        ctx.report({ messageId: 'noReverse', op, data: { code: callableName(op.code) } });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'forward function only',
        path: 'crm/migrations/0008_fill_display_name.py',
        code: `from django.db import migrations


def fill_display_name(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Customer.objects.filter(display_name="").update(display_name="n/a")


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_customer_display_name")]

    operations = [
        migrations.RunPython(fill_display_name),
    ]
`,
        expect: [{ messageId: 'noReverse', line: 13 }],
      },
      {
        name: 'keyword form, reverse_code=None',
        path: 'crm/migrations/0008_fill_display_name.py',
        code: `from django.db import migrations


def fill_display_name(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Customer.objects.filter(display_name="").update(display_name="n/a")


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_customer_display_name")]

    operations = [
        migrations.RunPython(code=fill_display_name, reverse_code=None, elidable=True),
    ]
`,
        expect: [{ messageId: 'noReverse', line: 13 }],
      },
    ],
    good: [
      {
        name: 'noop reverse',
        path: 'crm/migrations/0008_fill_display_name.py',
        code: `from django.db import migrations


def fill_display_name(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Customer.objects.filter(display_name="").update(display_name="n/a")


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_customer_display_name")]

    operations = [
        migrations.RunPython(fill_display_name, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'real reverse by keyword',
        path: 'crm/migrations/0008_fill_display_name.py',
        code: `from django.db import migrations


def fill_display_name(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Customer.objects.filter(display_name="").update(display_name="n/a")


def clear_display_name(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Customer.objects.filter(display_name="n/a").update(display_name="")


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_customer_display_name")]

    operations = [
        migrations.RunPython(code=fill_display_name, reverse_code=clear_display_name),
    ]
`,
      },
    ],
  },
});
