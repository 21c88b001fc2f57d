import { defineRule } from './types.js';
import { addsPlainIndex, indexReason } from './_lib/indexes.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const addWithoutIndex: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: ['migrations.AddField(', '    model_name="order",', '    name="external_id",', '    field=models.CharField(max_length=64, null=True),', '),'],
};

const buildIndex: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.operations import AddIndexConcurrently', 'from django.db import migrations, models'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0042_order_external_id',
  operations: [
    'AddIndexConcurrently(',
    '    model_name="order",',
    '    index=models.Index(fields=["external_id"], name="shop_order_external_id_idx"),',
    '),',
  ],
};

export default defineRule({
  id: 'add-field-index',
  severity: 'warning',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'index-build',
  summary: 'AddField with db_index=True (or a ForeignKey) builds the index in the same transaction as ADD COLUMN, blocking the table.',
  messages: {
    indexBuiltWithColumn:
      'AddField `{{field}}` on `{{model}}` also builds an index ({{reason}}): the index build runs inside the transaction whose ADD COLUMN already holds an ACCESS EXCLUSIVE lock, so reads and writes on the table wait for the whole build.',
  },
  why: [
    'For a field with `db_index=True`, and for every `ForeignKey` unless it says `db_index=False`, Django runs',
    '`CREATE INDEX` right after `ALTER TABLE … ADD COLUMN`, in the same migration transaction. A plain',
    '`CREATE INDEX` blocks writes for the whole build (SHARE lock), and here the ADD COLUMN before it already holds',
    'ACCESS EXCLUSIVE until the migration commits — so reads are blocked too, for as long as the build takes on a',
    'large table. Indexed `CharField`/`TextField` columns get a second `_like` index (`varchar_pattern_ops`), which',
    'doubles the build.',
  ].join('\n'),
  safeAlternative: [
    'Add the column without the index, then build the index concurrently in a separate non-atomic migration:',
    '',
    '1. Add the column with `db_index=False` (for a ForeignKey) or without `db_index` (metadata-only):',
    '',
    migrationFile('shop/migrations/0042_order_external_id.py', addWithoutIndex),
    '',
    '2. Build the index without blocking writes, alone in its migration, and move it to the model\'s',
    '   `Meta.indexes` so Django\'s state matches:',
    '',
    migrationFile('shop/migrations/0043_order_external_id_idx.py', buildIndex),
    '',
    'Add `models.Index(fields=["external_id"], name="shop_order_external_id_idx")` to `Order.Meta.indexes` in the',
    'same commit so `makemigrations --check` stays clean. If the build fails or is cancelled, drop the INVALID',
    'leftover (`DROP INDEX CONCURRENTLY IF EXISTS shop_order_external_id_idx;`) before retrying.',
    '',
    'Verify: `SELECT indisvalid FROM pg_index WHERE indexrelid = \'shop_order_external_id_idx\'::regclass;` returns `t`.',
    '',
    'Rollback: `python manage.py migrate shop 0042_order_external_id` drops the index concurrently; `migrate shop',
    '0041_previous` drops the column.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/contrib/postgres/operations/#concurrent-index-operations', 'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY'],
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      // Unique indexes are reported by add-field-unique.
      if (!addsPlainIndex(op.field)) return;
      ctx.report({ messageId: 'indexBuiltWithColumn', op, arg: 'field', data: { field: op.name ?? 'unknown', model: modelLabel(visit), reason: indexReason(op.field) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'db_index=True and a ForeignKey on an existing table',
        code: `import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="external_id",
            field=models.CharField(db_index=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="order",
            name="warehouse",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.warehouse"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_external_id.py',
        expect: [
          { messageId: 'indexBuiltWithColumn', line: 12 },
          { messageId: 'indexBuiltWithColumn', line: 17 },
        ],
      },
    ],
    good: [
      { name: 'safe alternative step 1: column without index', code: migrationSource(addWithoutIndex), path: 'shop/migrations/0042_order_external_id.py' },
      { name: 'safe alternative step 2: concurrent index', code: migrationSource(buildIndex), path: 'shop/migrations/0043_order_external_id_idx.py' },
      {
        name: 'indexed column on a table created in the same migration, and a FK with db_index=False',
        code: `import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.CreateModel(
            name="Shipment",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
        migrations.AddField(
            model_name="shipment",
            name="tracking_code",
            field=models.CharField(db_index=True, max_length=64),
        ),
        migrations.AddField(
            model_name="order",
            name="warehouse",
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.warehouse"),
        ),
    ]
`,
        path: 'shop/migrations/0042_shipment.py',
      },
    ],
  },
});
