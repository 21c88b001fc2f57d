import { defineRule } from './types.js';
import { isAutoField, isPrimaryKey } from './_lib/fields.js';
import { databaseName } from './_lib/databases.js';
import { addsUniqueIndex } from './_lib/indexes.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const addNullable: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: [
    'migrations.AddField(',
    '    model_name="order",',
    '    name="reference",',
    '    field=models.CharField(max_length=32, null=True),',
    '),',
  ],
};

const backfill: MigrationFileSpec = {
  imports: ['import uuid', '', 'from django.db import migrations, transaction'],
  preamble: [
    'def fill_references(apps, schema_editor):',
    '    Order = apps.get_model("shop", "Order")',
    '    while True:',
    '        with transaction.atomic():',
    '            batch = list(Order.objects.filter(reference__isnull=True).values_list("pk", flat=True)[:1000])',
    '            if not batch:',
    '                break',
    '            for pk in batch:',
    '                Order.objects.filter(pk=pk, reference__isnull=True).update(reference=uuid.uuid4().hex)',
  ].join('\n'),
  nonAtomicBecause: 'one short transaction per batch instead of one long one',
  dependsOn: '0042_order_reference',
  operations: ['migrations.RunPython(fill_references, migrations.RunPython.noop),'],
};

const buildIndex: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0043_backfill_order_reference',
  operations: [
    'migrations.RunSQL(',
    '    sql="CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS shop_order_reference_uniq ON shop_order (reference);",',
    '    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_order_reference_uniq;",',
    '),',
  ],
};

const attachConstraint: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0044_order_reference_unique_index',
  operations: [
    'migrations.SeparateDatabaseAndState(',
    '    database_operations=[',
    '        migrations.RunSQL(',
    '            sql="ALTER TABLE shop_order ADD CONSTRAINT shop_order_reference_uniq UNIQUE USING INDEX shop_order_reference_uniq;",',
    '            reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT shop_order_reference_uniq;",',
    '        ),',
    '    ],',
    '    state_operations=[',
    '        migrations.AlterField(',
    '            model_name="order",',
    '            name="reference",',
    '            field=models.CharField(max_length=32, null=True, unique=True),',
    '        ),',
    '    ],',
    '),',
  ],
};

export default defineRule({
  id: 'add-field-unique',
  severity: 'warning',
  severityByDatabase: { postgresql: 'error' },
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'locking',
  risk: 'index-build',
  summary: 'AddField with unique=True / primary_key=True builds a unique index over the whole table inside the ALTER TABLE.',
  messages: {
    uniqueUnderExclusiveLock:
      'AddField `{{field}}` on `{{model}}` adds a {{what}} column: PostgreSQL builds its unique index while holding an ACCESS EXCLUSIVE lock, so every read and write on the table waits for the whole build.',
    uniqueIndexInAlter:
      'AddField `{{field}}` on `{{model}}` adds a {{what}} column: {{database}} builds a unique index over every existing row inside the ALTER TABLE, and the migration fails halfway if existing rows collide.',
  },
  why: [
    'Adding a column with `unique=True` (or `primary_key=True`, or a `OneToOneField`) makes Django emit',
    '`ALTER TABLE … ADD COLUMN … UNIQUE`. The database must build a unique index over every existing row before',
    'the statement finishes:',
    '',
    '- **PostgreSQL** holds an ACCESS EXCLUSIVE lock for the whole build: reads *and* writes on the table wait,',
    '  and every query that arrives after it queues too. Inside the migration transaction the lock is held until',
    '  the migration commits.',
    '- **MySQL / MariaDB** build the index online, but the ALTER needs an exclusive metadata lock at its start and',
    '  end, so one long transaction on the table stalls it and everything behind it.',
    '- **SQLite** copies the whole table into a new one.',
    '',
    'If the column gets the same value in every existing row (a Python default, see',
    '`add-field-unique-with-shared-default`), the build fails with a unique violation.',
  ].join('\n'),
  safeAlternative: [
    'Add the column without the unique index, fill it, build the unique index concurrently, then attach it as the',
    'constraint. Four migrations, deployed in this order (PostgreSQL):',
    '',
    '1. Add the column as nullable, with no unique index (metadata-only, instant):',
    '',
    migrationFile('shop/migrations/0042_order_reference.py', addNullable),
    '',
    '2. Deploy code that sets `reference` on every new order. Then fill the existing rows in small batches:',
    '',
    migrationFile('shop/migrations/0043_backfill_order_reference.py', backfill),
    '',
    '3. Build the unique index without blocking writes, alone in a non-atomic migration:',
    '',
    migrationFile('shop/migrations/0044_order_reference_unique_index.py', buildIndex),
    '',
    '4. Turn the index into the constraint (no scan, a brief ACCESS EXCLUSIVE lock) and tell Django the field is',
    '   unique:',
    '',
    migrationFile('shop/migrations/0045_order_reference_unique.py', attachConstraint),
    '',
    'Run step 4 with a short `lock_timeout` (for example `SET lock_timeout = \'5s\'` on the migration role) and retry',
    'if it times out. If step 3 fails or is cancelled it leaves an INVALID index: find it with',
    '`SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;`, drop it with',
    '`DROP INDEX CONCURRENTLY IF EXISTS shop_order_reference_uniq;` and run step 3 again.',
    '',
    'Verify: `\\d shop_order` shows `"shop_order_reference_uniq" UNIQUE CONSTRAINT, btree (reference)`, and',
    '`python manage.py makemigrations --check` reports no changes.',
    '',
    'Rollback: `python manage.py migrate shop 0043_backfill_order_reference` drops the constraint and the index;',
    '`migrate shop 0041_previous` removes the column.',
    '',
    'MySQL / MariaDB: steps 1 and 2 are the same; then a plain `AlterField(..., unique=True)` builds the index',
    'online (InnoDB allows concurrent writes while it builds) — run it when no long transaction holds the table.',
  ].join('\n'),
  links: [
    'https://docs.djangoproject.com/en/stable/howto/writing-migrations/#migrations-that-add-unique-fields',
    'https://www.postgresql.org/docs/current/sql-altertable.html',
  ],
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      const field = op.field;
      // Auto-increment primary keys are reported by add-field-auto-increment, which covers the rewrite too.
      if (!addsUniqueIndex(field) || isAutoField(field)) return;
      const what = isPrimaryKey(field) ? 'PRIMARY KEY' : field.type === 'OneToOneField' ? 'unique OneToOne' : 'UNIQUE';
      const data = { field: op.name ?? 'unknown', model: modelLabel(visit), what, database: databaseName(ctx.settings.database) };
      ctx.report({ messageId: ctx.settings.database === 'postgresql' ? 'uniqueUnderExclusiveLock' : 'uniqueIndexInAlter', op, arg: 'field', data });
    });
  },
  cases: {
    bad: [
      {
        name: 'unique column on an existing table',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="reference",
            field=models.CharField(max_length=32, null=True, unique=True),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_reference.py',
        expect: [{ messageId: 'uniqueUnderExclusiveLock', line: 11 }],
      },
      {
        name: 'OneToOneField on MySQL',
        code: `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="invoice",
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.invoice"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_invoice.py',
        settings: { database: 'mysql' },
        expect: [{ messageId: 'uniqueIndexInAlter', line: 12 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: nullable column without unique', code: migrationSource(addNullable), path: 'shop/migrations/0042_order_reference.py' },
      { name: 'safe alternative step 4: constraint attached from a concurrently built index', code: migrationSource(attachConstraint), path: 'shop/migrations/0045_order_reference_unique.py' },
      {
        name: 'unique column on a table created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
        migrations.AddField(
            model_name="order",
            name="reference",
            field=models.CharField(max_length=32, unique=True),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});
