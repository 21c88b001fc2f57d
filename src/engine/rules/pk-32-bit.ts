import { defineRule } from './types.js';
import type { MigrationFile, Operation } from '../types.js';
import { isPrimaryKey } from './_lib/fields.js';
import { asBool } from './_lib/values.js';

/** Integer key classes narrower than 64 bits → the largest value they hold. */
const NARROW_KEYS: Readonly<Record<string, { bits: number; max: string }>> = {
  AutoField: { bits: 32, max: '2,147,483,647' },
  IntegerField: { bits: 32, max: '2,147,483,647' },
  PositiveIntegerField: { bits: 32, max: '2,147,483,647' },
  SmallAutoField: { bits: 16, max: '32,767' },
  SmallIntegerField: { bits: 16, max: '32,767' },
  PositiveSmallIntegerField: { bits: 16, max: '32,767' },
};

/**
 * Primary keys a later migration of the run already widens (`AlterField` to another class), as
 * `app.model.field`, per file set: computed once per run, not once per CreateModel.
 */
const widenedCache = new WeakMap<ReadonlyMap<string, MigrationFile>, Set<string>>();

function widenedKeys(files: ReadonlyMap<string, MigrationFile>): Set<string> {
  let widened = widenedCache.get(files);
  if (widened) return widened;
  widened = new Set();
  const walk = (file: MigrationFile, ops: readonly Operation[]): void => {
    for (const op of ops) {
      if (op.type === 'AlterField' && op.model && op.name && op.field && !NARROW_KEYS[op.field.type]) {
        widened.add(`${file.app}.${op.model}.${op.name}`.toLowerCase());
      }
      for (const children of Object.values(op.children ?? {})) walk(file, children);
    }
  };
  for (const file of files.values()) walk(file, file.operations);
  widenedCache.set(files, widened);
  return widened;
}

function isUnmanaged(op: Operation): boolean {
  const options = op.args['options'];
  if (options?.kind !== 'dict') return false;
  const managed = options.entries.find((entry) => entry.key.kind === 'str' && entry.key.value === 'managed');
  return asBool(managed?.value) === false;
}

export default defineRule({
  id: 'pk-32-bit',
  severity: 'info',
  databases: { postgresql: '*' },
  optIn: true,
  category: 'hygiene',
  summary: 'A new table with a 32-bit (or 16-bit) integer primary key will run out of ids on a busy table.',
  messages: {
    narrowKey:
      '`{{model}}.{{field}}` is a {{bits}}-bit primary key ({{type}}): ids stop at {{max}}, and widening it later rewrites this table and every table with a foreign key to it.',
  },
  why: [
    'An `AutoField` is a PostgreSQL `integer` (`serial` / identity): inserts fail with',
    '`nextval: reached maximum value of sequence` once the sequence passes 2,147,483,647 (32,767 for the small',
    'variants). Sequences also advance on rolled-back inserts and on bulk loads, so busy tables get there sooner',
    'than their row count suggests. Fixing it then means `AlterField` to `BigAutoField`: a full rewrite of the',
    'table and of every foreign-key column that points to it, under ACCESS EXCLUSIVE locks (see',
    '`alter-field-pk-type`). A `bigint` key costs four more bytes per row and index entry and never runs out.',
  ].join('\n'),
  safeAlternative: [
    'Create new tables with 64-bit keys, and make that the project default so makemigrations writes it:',
    '',
    '```python',
    '# settings.py',
    'DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"',
    '',
    '# shop/apps.py (per app, if the project default cannot change yet)',
    'from django.apps import AppConfig',
    '',
    '',
    'class ShopConfig(AppConfig):',
    '    name = "shop"',
    '    default_auto_field = "django.db.models.BigAutoField"',
    '```',
    '',
    'Then regenerate the new migration so the model is created with',
    '`("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"))`.',
    '',
    '1. Only new tables are affected: changing `DEFAULT_AUTO_FIELD` makes makemigrations propose AlterField for',
    '   existing models too. Pin those with `id = models.AutoField(primary_key=True)` on the model (or',
    '   `default_auto_field = "django.db.models.AutoField"` on their app) until you plan the conversion.',
    '2. For a small lookup table that will never grow, a 32-bit key is fine: suppress the finding on the',
    '   operation with `# migrate-help: ignore pk-32-bit`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/settings/#default-auto-field', 'https://squawkhq.com/docs/prefer-bigint-over-int'],
  operationTypes: ['CreateModel'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective || !op.fields || isUnmanaged(op)) return;
      for (const { name, field } of op.fields) {
        const narrow = NARROW_KEYS[field.type];
        if (!narrow || !isPrimaryKey(field)) return;
        // A later migration in this run already converts the key (the usual DEFAULT_AUTO_FIELD upgrade): nothing left to say.
        if (ctx.files && op.model && widenedKeys(ctx.files).has(`${ctx.migration.app}.${op.model}.${name}`.toLowerCase())) return;
        ctx.report({ messageId: 'narrowKey', op, data: { model: op.model ?? visit.model ?? '?', field: name, type: field.type, bits: narrow.bits, max: narrow.max } });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'AutoField id on a new table',
        path: 'shop/migrations/0001_initial.py',
        settings: { enabledRules: ['pk-32-bit'] },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.CharField(max_length=32)),
            ],
        ),
    ]
`,
        expect: [{ messageId: 'narrowKey', line: 9 }],
      },
    ],
    good: [
      {
        name: 'BigAutoField id',
        path: 'shop/migrations/0001_initial.py',
        settings: { enabledRules: ['pk-32-bit'] },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.CharField(max_length=32)),
            ],
        ),
    ]
`,
      },
      {
        name: 'AutoField later converted to BigAutoField by another migration of the run',
        path: 'shop/migrations/0001_initial.py',
        settings: { enabledRules: ['pk-32-bit'] },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
        ),
    ]
`,
        context: {
          'shop/migrations/0002_alter_order_id.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="id",
            field=models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
        ),
    ]
`,
        },
      },
      {
        name: 'unmanaged model (Django creates no table)',
        path: 'reports/migrations/0001_initial.py',
        settings: { enabledRules: ['pk-32-bit'] },
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="DailySales",
            fields=[("id", models.IntegerField(primary_key=True, serialize=False))],
            options={"managed": False, "db_table": "reports_daily_sales"},
        ),
    ]
`,
      },
    ],
  },
});
