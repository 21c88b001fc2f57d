import { defineRule } from './types.js';
import type { FunctionInfo } from '../types.js';
import { runPythonCallables, runsInTransaction, withHelpers } from './_lib/runpython.js';

const WRITE_WORDS: Record<FunctionInfo['bulkWrites'][number]['kind'], string> = {
  update: 'runs one `.update()` over a whole queryset',
  delete: 'runs one `.delete()` over a whole queryset',
  bulk_update: 'calls `bulk_update()` on every row',
  bulk_create: 'calls `bulk_create()` with every row',
  save: 'calls `.save()` for every row in a loop',
  iterate_all: 'iterates over `.objects.all()`',
};

export default defineRule({
  id: 'runpython-unbatched-backfill',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'data-migration',
  risk: 'table-lock',
  summary: 'A data migration rewrites a whole table in one transaction, without batches.',
  messages: {
    unbatched:
      '`{{function}}` {{write}} inside one transaction with no batching: every row it touches stays locked until the migration commits, so on a large table concurrent writes wait (or time out) for the whole backfill.',
  },
  why: [
    'A RunPython runs inside the migration transaction (PostgreSQL, SQLite) or its own transaction (MySQL,',
    'Oracle) unless told otherwise. One `UPDATE` over a big table, or a loop saving every row, holds a row lock',
    'on each row it touched until the very end. Requests that write those rows queue behind the migration,',
    'connection pools fill up, and if the migration also changed the schema, the table lock is held for the',
    'whole backfill. Rolling back a failed multi-minute transaction takes about as long again.',
  ].join('\n'),
  safeAlternative: [
    'Backfill in its own non-atomic migration, in primary-key batches that each commit:',
    '',
    '```python',
    'import time',
    '',
    'from django.db import migrations, transaction',
    '',
    'BATCH = 1000',
    '',
    '',
    'def backfill_currency(apps, schema_editor):',
    '    Invoice = apps.get_model("billing", "Invoice")',
    '    last_pk = 0',
    '    while True:',
    '        with transaction.atomic():',
    '            pks = list(',
    '                Invoice.objects.filter(pk__gt=last_pk, currency="")',
    '                .order_by("pk")',
    '                .values_list("pk", flat=True)[:BATCH]',
    '            )',
    '            if not pks:',
    '                break',
    '            Invoice.objects.filter(pk__in=pks).update(currency="EUR")',
    '        last_pk = pks[-1]',
    '        time.sleep(0.05)  # give replicas and other writers room',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    atomic = False',
    '',
    '    dependencies = [("billing", "0013_invoice_currency")]',
    '',
    '    operations = [',
    '        migrations.RunPython(backfill_currency, migrations.RunPython.noop, elidable=True),',
    '    ]',
    '```',
    '',
    '1. Ship the schema change (nullable column or `db_default`) in the previous migration, so the backfill',
    '   holds no table lock.',
    '2. Make the batch idempotent (filter on rows still to do) so a rerun after a failure resumes.',
    '3. For very large tables run the same loop from a management command after the deploy, and keep only a',
    '   check in the migration.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/howto/writing-migrations/#non-atomic-migrations'],
  operationTypes: ['RunPython'],
  check(ctx) {
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      if (!runsInTransaction(op, ctx.isAtomic)) return;
      for (const { slot, fn } of runPythonCallables(op, ctx.migration)) {
        if (!fn || slot !== 'code') return;
        const bodies = withHelpers(fn, ctx.migration);
        if (bodies.some((body) => body.batches)) return;
        const writer = bodies.find((body) => body.bulkWrites.length > 0);
        const write = writer ? [...writer.bulkWrites].sort((a, b) => a.line - b.line)[0] : undefined;
        if (writer && write) ctx.report({ messageId: 'unbatched', line: write.line, data: { function: writer.name, write: WRITE_WORDS[write.kind] } });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'one update over the whole table',
        path: 'billing/migrations/0014_backfill_currency.py',
        code: `from django.db import migrations


def backfill_currency(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    Invoice.objects.filter(currency="").update(currency="EUR")


class Migration(migrations.Migration):
    dependencies = [("billing", "0013_invoice_currency")]

    operations = [
        migrations.RunPython(backfill_currency, migrations.RunPython.noop),
    ]
`,
        expect: [{ messageId: 'unbatched', line: 6 }],
      },
      {
        name: 'saving every row in a loop',
        path: 'billing/migrations/0014_backfill_currency.py',
        code: `from django.db import migrations


def backfill_currency(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    for invoice in Invoice.objects.all():
        invoice.currency = invoice.customer_currency or "EUR"
        invoice.save()


class Migration(migrations.Migration):
    dependencies = [("billing", "0013_invoice_currency")]

    operations = [
        migrations.RunPython(backfill_currency, migrations.RunPython.noop),
    ]
`,
        expect: [{ messageId: 'unbatched', line: 6 }],
      },
    ],
    good: [
      {
        name: 'a literal bulk_create of a few rows',
        path: 'shop/migrations/0031_seed_statuses.py',
        code: `from django.db import migrations


def seed_statuses(apps, schema_editor):
    Status = apps.get_model("shop", "Status")
    Status.objects.bulk_create([
        Status(code="new", label="New"),
        Status(code="paid", label="Paid"),
        Status(code="shipped", label="Shipped"),
    ])


class Migration(migrations.Migration):
    dependencies = [("shop", "0030_status")]

    operations = [migrations.RunPython(seed_statuses, migrations.RunPython.noop)]
`,
      },
      {
        name: 'one-row deletes and updates: by primary key and through get()',
        path: 'shop/migrations/0032_drop_demo_rows.py',
        code: `from django.db import migrations


def drop_demo_rows(apps, schema_editor):
    Status = apps.get_model("shop", "Status")
    Site = apps.get_model("sites", "Site")
    Status.objects.filter(pk=1).delete()
    Status.objects.filter(id=2).update(label="Paid")
    Site.objects.get(domain="example.com").delete()


class Migration(migrations.Migration):
    dependencies = [("shop", "0031_seed_statuses")]

    operations = [migrations.RunPython(drop_demo_rows, migrations.RunPython.noop)]
`,
      },
      {
        name: 'a loop that already batches with iterator(chunk_size=…) and with slices',
        path: 'shop/migrations/0033_fill_codes.py',
        code: `from django.db import migrations


def fill_codes(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    for order in Order.objects.filter(code="").iterator(chunk_size=2000):
        order.code = f"O-{order.pk}"
        order.save(update_fields=["code"])


def fill_references(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    pending = Order.objects.filter(reference="").order_by("pk")
    while True:
        batch = list(pending[:1000])
        if not batch:
            break
        for order in batch:
            order.reference = str(order.pk)
        Order.objects.bulk_update(batch, ["reference"])


class Migration(migrations.Migration):
    dependencies = [("shop", "0032_drop_demo_rows")]

    operations = [
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.RunPython(fill_references, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'batched in a non-atomic migration',
        path: 'billing/migrations/0014_backfill_currency.py',
        code: `from django.db import migrations, transaction


def backfill_currency(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    last_pk = 0
    while True:
        with transaction.atomic():
            pks = list(Invoice.objects.filter(pk__gt=last_pk, currency="").order_by("pk").values_list("pk", flat=True)[:1000])
            if not pks:
                break
            Invoice.objects.filter(pk__in=pks).update(currency="EUR")
        last_pk = pks[-1]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("billing", "0013_invoice_currency")]

    operations = [
        migrations.RunPython(backfill_currency, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'non-atomic migration, plain update (no transaction holds the rows)',
        path: 'billing/migrations/0014_backfill_currency.py',
        code: `from django.db import migrations


def backfill_currency(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    Invoice.objects.filter(currency="").update(currency="EUR")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("billing", "0013_invoice_currency")]

    operations = [
        migrations.RunPython(backfill_currency, migrations.RunPython.noop),
    ]
`,
      },
    ],
  },
});
