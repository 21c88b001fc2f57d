import { defineRule } from './types.js';
import type { MigrationFile, Operation } from '../types.js';
import { ALL_DATABASES } from './_lib/databases.js';
import { databaseEffect } from './_lib/effects.js';
import { callableName, runPythonCallables, withHelpers } from './_lib/runpython.js';
import { excerpt, forwardStatements } from './_lib/sql.js';
import { asBool } from './_lib/values.js';

/** Writes that only change rows already there: on a fresh database there is nothing for them to do. */
const FIX_UP_WRITES = new Set(['update', 'delete', 'bulk_update', 'save', 'iterate_all']);

/**
 * The step, described for the message, when it only fixes existing rows: a RunPython whose
 * function (and its helpers) update, delete or re-save rows and create none; a RunSQL made of
 * UPDATE/DELETE statements. Seeding steps (bulk_create, INSERT) are needed on a fresh database
 * and must stay; callables defined elsewhere cannot be judged.
 */
function fixUpStep(op: Operation, file: MigrationFile): string | undefined {
  if (op.type === 'RunPython') {
    const forward = runPythonCallables(op, file).find((callable) => callable.slot === 'code');
    if (!forward?.fn) return undefined;
    const writes = withHelpers(forward.fn, file).flatMap((info) => info.bulkWrites);
    if (writes.length === 0 || writes.some((write) => write.kind === 'bulk_create')) return undefined;
    if (!writes.every((write) => FIX_UP_WRITES.has(write.kind))) return undefined;
    return `RunPython \`${callableName(forward.ref)}\``;
  }
  if (op.type === 'RunSQL') {
    const statements = forwardStatements(op);
    if (statements.length === 0 || !statements.every((statement) => /^(UPDATE|DELETE)\b/.test(statement.masked))) return undefined;
    return `RunSQL \`${excerpt(statements[0]!, 50)}\``;
  }
  return undefined;
}

export default defineRule({
  id: 'runpython-not-elidable',
  severity: 'info',
  databases: ALL_DATABASES,
  category: 'data-migration',
  summary: 'A one-off data fix without elidable=True stays in the history forever, even after squashing.',
  messages: {
    notElidable:
      '{{step}} only fixes rows that already exist, in a data-only migration, but is not marked `elidable=True`: squashmigrations must keep it (and cannot optimise across it), and every fresh database runs it for nothing.',
  },
  why: [
    '`squashmigrations` merges an app\'s history into one migration and lets the optimizer fold operations',
    'together. It cannot see what RunPython or RunSQL do, so it keeps them and refuses to optimise across them,',
    'unless they are marked `elidable=True`, which tells it the step can be dropped. A backfill or clean-up that',
    'only changes rows that exist today has nothing to do on a fresh database (tests, new environments), so it',
    'is the textbook elidable step. Steps that create data every database needs (default groups, a first site)',
    'must not be elidable; this rule skips steps that create rows.',
  ].join('\n'),
  safeAlternative: [
    'Mark one-off fixes as elidable:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'def fill_order_channel(apps, schema_editor):',
    '    Order = apps.get_model("shop", "Order")',
    '    Order.objects.filter(channel__isnull=True).update(channel="web")',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0042_order_channel")]',
    '',
    '    operations = [',
    '        migrations.RunPython(fill_order_channel, migrations.RunPython.noop, elidable=True),',
    '    ]',
    '```',
    '',
    '1. Keep the operation non-elidable when a fresh database needs what it does (it creates rows, or other',
    '   migrations rely on its result), and suppress this finding with',
    '   `# migrate-help: ignore runpython-not-elidable` so the next reader knows it was deliberate.',
    '2. After squashing, check the squashed file: elided steps are gone, and `python manage.py migrate` on an',
    '   empty database still succeeds.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/topics/migrations/#migration-squashing', 'https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython'],
  operationTypes: ['RunPython', 'RunSQL'],
  check(ctx) {
    const file = ctx.migration;
    const effective = ctx.visits.filter((visit) => visit.dbEffective);
    // Only data-only migrations: next to schema changes, an elidable step would be squashed away from them.
    const dataOnly = effective.every((visit) => ['none', 'data'].includes(databaseEffect(visit.op, file)));
    if (!dataOnly) return;
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective || asBool(op.args['elidable']) === true) return;
      const step = fixUpStep(op, file);
      if (step) ctx.report({ messageId: 'notElidable', op, data: { step } });
    });
  },
  cases: {
    bad: [
      {
        name: 'backfill by update, and an SQL clean-up',
        path: 'shop/migrations/0043_fill_order_channel.py',
        code: `from django.db import migrations


def fill_order_channel(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.filter(channel__isnull=True).update(channel="web")


class Migration(migrations.Migration):
    dependencies = [("shop", "0042_order_channel")]

    operations = [
        migrations.RunPython(fill_order_channel, migrations.RunPython.noop),
        migrations.RunSQL("DELETE FROM shop_cart WHERE updated_at < now() - interval '1 year';", migrations.RunSQL.noop),
    ]
`,
        expect: [
          { messageId: 'notElidable', line: 13 },
          { messageId: 'notElidable', line: 14 },
        ],
      },
    ],
    good: [
      {
        name: 'marked elidable',
        path: 'shop/migrations/0043_fill_order_channel.py',
        code: `from django.db import migrations


def fill_order_channel(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.filter(channel__isnull=True).update(channel="web")


class Migration(migrations.Migration):
    dependencies = [("shop", "0042_order_channel")]

    operations = [
        migrations.RunPython(fill_order_channel, migrations.RunPython.noop, elidable=True),
    ]
`,
      },
      {
        name: 'seeding data a fresh database needs',
        path: 'shop/migrations/0043_default_channels.py',
        code: `from django.db import migrations


def create_channels(apps, schema_editor):
    Channel = apps.get_model("shop", "Channel")
    Channel.objects.bulk_create([Channel(slug="web"), Channel(slug="pos")])


class Migration(migrations.Migration):
    dependencies = [("shop", "0042_channel")]

    operations = [
        migrations.RunPython(create_channels, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'backfill next to a schema change',
        path: 'shop/migrations/0043_order_channel.py',
        code: `from django.db import migrations, models


def fill_order_channel(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.filter(channel__isnull=True).update(channel="web")


class Migration(migrations.Migration):
    dependencies = [("shop", "0042_previous")]

    operations = [
        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=32, null=True)),
        migrations.RunPython(fill_order_channel, migrations.RunPython.noop),
    ]
`,
      },
    ],
  },
});
