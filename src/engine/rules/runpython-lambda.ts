import { defineRule } from './types.js';
import type { CallableRef } from '../types.js';
import { unwrapPartial } from './_lib/runpython.js';

export default defineRule({
  id: 'runpython-lambda',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'data-migration',
  summary: 'A lambda as RunPython code runs, but squashmigrations cannot write it out.',
  messages: {
    lambdaCode:
      'RunPython `{{slot}}` is a lambda: it runs today, but `squashmigrations` fails on this app with "Cannot serialize function: lambda", and a lambda cannot take a real reverse step.',
  },
  why: [
    'Migration files are Python that Django can also write back out. `squashmigrations` (and `optimizemigration`)',
    'serialise every operation, and the serializer refuses lambdas (`ValueError: Cannot serialize function:',
    'lambda`). The migration works until the day the app\'s history is squashed, then blocks the squash. Lambdas',
    'also tend to hide what the step does (no name in tracebacks, no docstring) and cannot be shared with a',
    'reverse function.',
  ].join('\n'),
  safeAlternative: [
    'Move the body into module-level functions with the `(apps, schema_editor)` signature:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'def mark_legacy_plans(apps, schema_editor):',
    '    Plan = apps.get_model("billing", "Plan")',
    '    Plan.objects.filter(created__year__lt=2020).update(legacy=True)',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("billing", "0020_plan_legacy")]',
    '',
    '    operations = [',
    '        migrations.RunPython(mark_legacy_plans, migrations.RunPython.noop),',
    '    ]',
    '```',
    '',
    '1. Replace `lambda apps, schema_editor: None` with `migrations.RunPython.noop`.',
    '2. Check that the app still squashes: run `python manage.py squashmigrations billing 0021` on a throwaway',
    '   branch; it must write the file without a serialisation error.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/topics/migrations/#serializing-values'],
  operationTypes: ['RunPython'],
  check(ctx) {
    const check = (slot: string, ref: CallableRef | null | undefined): void => {
      if (!ref) return;
      const inner = unwrapPartial(ref);
      if (inner.kind === 'lambda') ctx.report({ messageId: 'lambdaCode', line: inner.line, data: { slot } });
    };
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      check('code', op.code);
      check('reverse_code', op.reverseCode);
    });
  },
  cases: {
    bad: [
      {
        name: 'lambda forward and reverse',
        path: 'billing/migrations/0021_mark_legacy_plans.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0020_plan_legacy")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: apps.get_model("billing", "Plan").objects.update(legacy=True),
            lambda apps, schema_editor: None,
        ),
    ]
`,
        expect: [
          { messageId: 'lambdaCode', line: 9 },
          { messageId: 'lambdaCode', line: 10 },
        ],
      },
    ],
    good: [
      {
        name: 'module-level function and noop',
        path: 'billing/migrations/0021_mark_legacy_plans.py',
        code: `from django.db import migrations


def mark_legacy_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.filter(created__year__lt=2020).update(legacy=True)


class Migration(migrations.Migration):
    dependencies = [("billing", "0020_plan_legacy")]

    operations = [
        migrations.RunPython(mark_legacy_plans, migrations.RunPython.noop),
    ]
`,
      },
    ],
  },
});
