import { defineRule } from './types.js';
import type { Operation } from '../types.js';
import { concurrentOperation, databaseEffect, isRerunnable } from './_lib/effects.js';
import { isSchemaStatement } from './_lib/statements.js';
import { excerpt, forwardStatements } from './_lib/sql.js';

/** One schema step a non-atomic migration takes, for the message. */
interface Step {
  op: Operation;
  text: string;
}

function stepsOf(op: Operation): Step[] {
  if (op.type === 'RunSQL') {
    return forwardStatements(op)
      .filter(isSchemaStatement)
      .map((statement) => ({ op, text: `RunSQL \`${excerpt(statement, 50)}\`` }));
  }
  const name = op.name ?? op.oldName ?? op.model;
  return [{ op, text: name ? `${op.type} \`${name}\`` : op.type }];
}

export default defineRule({
  id: 'non-atomic-multi-op',
  severity: 'info',
  // `atomic = False` only changes something where DDL is transactional; MySQL and Oracle never wrap DDL.
  databases: { postgresql: '*', sqlite: '*' },
  category: 'hygiene',
  summary: 'A migration with atomic = False and several schema steps can fail halfway and leave them half applied.',
  messages: {
    partialFailure:
      'This migration sets `atomic = False` and runs {{count}} schema steps ({{first}} first): if {{step}} or a later one fails, the steps before it stay applied while Django records nothing, and running `migrate` again repeats them.',
  },
  why: [
    'On PostgreSQL and SQLite Django normally runs each migration in one transaction, so a failure rolls the whole',
    'migration back and it can simply be run again. `atomic = False` removes that safety net: every step commits',
    'on its own, Django only marks the migration applied at the end, and after a failure the database holds the',
    'first steps while the history says nothing ran. The rerun then fails on what already exists (`column already',
    'exists`, `relation already exists`) and someone has to fix the schema or fake the migration by hand, often',
    'mid-incident. Concurrent index migrations are judged by `concurrent-op-not-isolated`; steps written to be',
    're-runnable (`IF [NOT] EXISTS`) are not reported.',
  ].join('\n'),
  safeAlternative: [
    'Keep `atomic = False` for the one step that needs it and move the other schema changes into their own',
    'atomic migrations:',
    '',
    '```python',
    '# shop/migrations/0042_order_channel.py: atomic (the default)',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=32, null=True)),',
    '        migrations.AddField(model_name="order", name="source", field=models.CharField(max_length=32, null=True)),',
    '    ]',
    '```',
    '',
    '1. If the migration is non-atomic because of a long data step, put that step in its own `atomic = False`',
    '   migration (batched, see `runpython-unbatched-backfill`), after the schema migration.',
    '2. Where several statements must share a non-atomic migration, make each one re-runnable',
    '   (`ADD COLUMN IF NOT EXISTS`, `DROP … IF EXISTS`) so a retry after a failure just continues.',
    '3. After a partial failure: compare `python manage.py sqlmigrate shop 0042` with the table (`\\d shop_order`),',
    '   undo or finish the applied steps by hand, then run `migrate` again (or `migrate --fake` once the schema',
    '   matches).',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/howto/writing-migrations/#non-atomic-migrations'],
  check(ctx) {
    if (ctx.isAtomic) return;
    const steps: Step[] = [];
    for (const visit of ctx.visits) {
      const { op } = visit;
      if (!visit.dbEffective) continue;
      // A concurrent index operation makes this concurrent-op-not-isolated's case.
      if (concurrentOperation(op)) return;
      if (databaseEffect(op, ctx.migration) !== 'schema') continue;
      if (isRerunnable(op)) continue;
      steps.push(...stepsOf(op));
    }
    const second = steps[1];
    if (!second) return;
    ctx.report({ messageId: 'partialFailure', op: second.op, data: { count: steps.length, first: steps[0]!.text, step: second.text } });
  },
  cases: {
    bad: [
      {
        name: 'two AddFields and a RunSQL without a transaction',
        path: 'shop/migrations/0042_order_channel.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=32, null=True)),
        migrations.AddField(model_name="order", name="source", field=models.CharField(max_length=32, null=True)),
        migrations.RunSQL("ALTER TABLE shop_order ADD CONSTRAINT shop_order_channel_chk CHECK (channel <> '') NOT VALID;", migrations.RunSQL.noop),
    ]
`,
        expect: [{ messageId: 'partialFailure', line: 10 }],
      },
    ],
    good: [
      {
        name: 'one schema step next to a batched data step',
        path: 'shop/migrations/0043_fill_order_channel.py',
        code: `from django.db import migrations, models


def fill_channel(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    while Order.objects.filter(channel__isnull=True).exists():
        ids = list(Order.objects.filter(channel__isnull=True).values_list("pk", flat=True)[:1000])
        Order.objects.filter(pk__in=ids).update(channel="web")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0042_order_channel")]

    operations = [
        migrations.AddField(model_name="order", name="source", field=models.CharField(max_length=32, null=True)),
        migrations.RunPython(fill_channel, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 're-runnable SQL statements',
        path: 'shop/migrations/0042_order_channel.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE shop_order ADD COLUMN IF NOT EXISTS channel varchar(32) NULL; ALTER TABLE shop_order ADD COLUMN IF NOT EXISTS source varchar(32) NULL;",
            "ALTER TABLE shop_order DROP COLUMN IF EXISTS channel; ALTER TABLE shop_order DROP COLUMN IF EXISTS source;",
        ),
    ]
`,
      },
      {
        name: 'the same steps in an atomic migration',
        path: 'shop/migrations/0042_order_channel.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=32, null=True)),
        migrations.AddField(model_name="order", name="source", field=models.CharField(max_length=32, null=True)),
    ]
`,
      },
    ],
  },
});
