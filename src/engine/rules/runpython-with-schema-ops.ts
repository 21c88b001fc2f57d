import { defineRule } from './types.js';
import { callableName, runPythonCallables, withHelpers } from './_lib/runpython.js';

/** Operations that ALTER an existing table (CreateModel makes a new one nobody else uses yet). */
const SCHEMA_OPS = new Set([
  'AddField',
  'RemoveField',
  'AlterField',
  'RenameField',
  'RenameModel',
  'DeleteModel',
  'AlterModelTable',
  'AddIndex',
  'RemoveIndex',
  'RenameIndex',
  'AddConstraint',
  'RemoveConstraint',
  'AddConstraintNotValid',
  'ValidateConstraint',
  'AlterUniqueTogether',
  'AlterIndexTogether',
  'AlterOrderWithRespectTo',
]);

export default defineRule({
  id: 'runpython-with-schema-ops',
  severity: 'warning',
  databases: { postgresql: '*', sqlite: '*' },
  category: 'data-migration',
  risk: 'table-lock',
  summary: 'An atomic migration mixes a data migration with schema changes to existing tables.',
  messages: {
    sameModel:
      '`{{function}}` changes data of `{{model}}` in the same transaction as {{operation}} on it: the table lock taken by the schema change is held for the whole data step, and PostgreSQL can fail with "cannot ALTER TABLE because it has pending trigger events".',
    mixed:
      '`{{function}}` runs in the same transaction as {{operations}}: the locks those schema changes take are held until the data step finishes, and a failure in either undoes both.',
  },
  why: [
    'On PostgreSQL and SQLite a migration is one transaction. A schema change to an existing table takes an',
    'ACCESS EXCLUSIVE lock that is held until the transaction ends, so a RunPython placed after it keeps the',
    'table unreadable for as long as the data step takes. The other way round, rows changed by RunPython leave',
    'deferred foreign-key checks pending, and a following ALTER TABLE on those tables fails with `cannot ALTER',
    'TABLE "x" because it has pending trigger events`. Django\'s docs advise keeping schema and data changes',
    'in separate migrations.',
  ].join('\n'),
  safeAlternative: [
    'Split into three migrations: expand the schema, move the data, then contract. Each commits on its own:',
    '',
    '```python',
    '# 0031_order_status_code.py — schema only',
    'operations = [',
    '    migrations.AddField("order", "status_code", models.CharField(max_length=20, null=True)),',
    ']',
    '',
    '# 0032_fill_status_code.py — data only, batched, outside one big transaction',
    'def fill_status_code(apps, schema_editor):',
    '    Order = apps.get_model("shop", "Order")',
    '    while True:',
    '        pks = list(Order.objects.filter(status_code__isnull=True).values_list("pk", flat=True)[:1000])',
    '        if not pks:',
    '            break',
    '        Order.objects.filter(pk__in=pks).update(status_code=models.F("status"))',
    '',
    'class Migration(migrations.Migration):',
    '    atomic = False',
    '    dependencies = [("shop", "0031_order_status_code")]',
    '    operations = [migrations.RunPython(fill_status_code, migrations.RunPython.noop)]',
    '',
    '# 0033_order_status_code_not_null.py — schema only, after the backfill',
    'operations = [',
    '    migrations.AlterField("order", "status_code", models.CharField(max_length=20)),',
    ']',
    '```',
    '',
    '1. Each file also needs `from django.db import migrations, models` and its `dependencies`.',
    '2. Deploy code that writes `status_code` before 0033 runs, or new rows will be NULL again.',
    '3. If you must keep one migration, set `atomic = False` on it so each operation commits separately (a',
    '   failure then leaves it half applied: make the data step idempotent).',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython'],
  operationTypes: ['RunPython'],
  check(ctx) {
    if (!ctx.isAtomic) return;
    const schemaVisits = ctx.visits.filter((visit) => visit.dbEffective && SCHEMA_OPS.has(visit.op.type) && !(visit.model && ctx.isNewModel(visit.model, visit.op)));
    if (schemaVisits.length === 0) return;
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective || !op.code || op.code.kind === 'noop') return;
      const forward = runPythonCallables(op, ctx.migration).find((callable) => callable.slot === 'code');
      if (!forward) return;
      const touched = new Set<string>();
      // Models of other apps count as known too: the schema changes here are on this app's tables.
      let knowsModels = false;
      if (forward.fn) {
        for (const body of withHelpers(forward.fn, ctx.migration)) {
          for (const call of body.getModelCalls) {
            if (call.model) knowsModels = true;
            if (call.model && (call.app === null || call.app === ctx.migration.app)) touched.add(call.model.toLowerCase());
          }
        }
      }
      const name = callableName(forward.ref);
      const same = schemaVisits.find((visit) => visit.model !== null && touched.has(visit.model));
      if (same) {
        ctx.report({ messageId: 'sameModel', op, data: { function: name, model: same.op.model ?? same.model ?? '', operation: same.op.type } });
        return;
      }
      // Known models, none of them altered here: the schema changes are on other tables, so nothing clashes.
      if (knowsModels) return;
      // The models the function uses are not known (an imported callable, models reached another way): worth a look, no more.
      const listed = schemaVisits.slice(0, 3).map((visit) => `${visit.op.type}${visit.op.model ? ` on ${visit.op.model}` : ''}`);
      const more = schemaVisits.length > 3 ? ` and ${schemaVisits.length - 3} more` : '';
      ctx.report({ messageId: 'mixed', op, severity: 'info', data: { function: name, operations: `${listed.join(', ')}${more}` } });
    });
  },
  cases: {
    bad: [
      {
        name: 'add field, backfill and make it NOT NULL in one migration',
        path: 'shop/migrations/0031_order_status_code.py',
        code: `from django.db import migrations, models


def fill_status_code(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.update(status_code=models.F("status"))


class Migration(migrations.Migration):
    dependencies = [("shop", "0030_order_status")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="status_code",
            field=models.CharField(max_length=20, null=True),
        ),
        migrations.RunPython(fill_status_code, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="order",
            name="status_code",
            field=models.CharField(max_length=20),
        ),
    ]
`,
        expect: [{ messageId: 'sameModel', line: 18 }],
      },
      {
        name: 'imported data step next to a schema change: which tables it touches is unknown (info)',
        path: 'shop/migrations/0034_coupon_code.py',
        code: `from django.db import migrations, models

from shop.migration_helpers import normalise_codes


class Migration(migrations.Migration):
    dependencies = [("shop", "0033_order_status_code_not_null")]

    operations = [
        migrations.RunPython(normalise_codes, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["status_code"], name="shop_order_status_code_idx"),
        ),
    ]
`,
        expect: [{ messageId: 'mixed', line: 10 }],
      },
    ],
    good: [
      {
        name: 'data step next to an unrelated schema change',
        path: 'shop/migrations/0034_coupon_code.py',
        code: `from django.db import migrations, models


def normalise_codes(apps, schema_editor):
    Coupon = apps.get_model("shop", "Coupon")
    for coupon in Coupon.objects.filter(code__regex=r"[a-z]"):
        coupon.code = coupon.code.upper()
        coupon.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [("shop", "0033_order_status_code_not_null")]

    operations = [
        migrations.RunPython(normalise_codes, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["status_code"], name="shop_order_status_code_idx"),
        ),
    ]
`,
      },
      {
        name: 'data-only migration',
        path: 'shop/migrations/0032_fill_status_code.py',
        code: `from django.db import migrations, models


def fill_status_code(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.update(status_code=models.F("status"))


class Migration(migrations.Migration):
    dependencies = [("shop", "0031_order_status_code")]

    operations = [
        migrations.RunPython(fill_status_code, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'new table filled in the same migration',
        path: 'shop/migrations/0035_region.py',
        code: `from django.db import migrations, models


def add_regions(apps, schema_editor):
    Region = apps.get_model("shop", "Region")
    Region.objects.bulk_create([Region(code="eu"), Region(code="us")])


class Migration(migrations.Migration):
    dependencies = [("shop", "0034_coupon_code")]

    operations = [
        migrations.CreateModel(
            name="Region",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("code", models.CharField(max_length=8))],
        ),
        migrations.AddIndex(model_name="region", index=models.Index(fields=["code"], name="shop_region_code_idx")),
        migrations.RunPython(add_regions, migrations.RunPython.noop),
    ]
`,
      },
      {
        name: 'non-atomic migration',
        path: 'shop/migrations/0031_order_status_code.py',
        code: `from django.db import migrations, models


def fill_status_code(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.update(status_code=models.F("status"))


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0030_order_status")]

    operations = [
        migrations.AddField(model_name="order", name="status_code", field=models.CharField(max_length=20, null=True)),
        migrations.RunPython(fill_status_code, migrations.RunPython.noop),
    ]
`,
      },
    ],
  },
});
