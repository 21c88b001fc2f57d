import { defineRule } from './types.js';
import { shopContext } from './_lib/cases.js';
import { bothHaveColumns, columnKind, describeColumn, isPrimaryKeyColumn, relationResolver } from './_lib/columns.js';
import { referencingColumns } from './_lib/relations.js';
import { mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';
import type { OperationVisit, ResolvedSettings } from './types.js';

export default defineRule({
  id: 'alter-field-pk-type',
  severity: 'error',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'rolling-deploy',
  risk: 'rewrite',
  summary: 'AlterField that changes a primary key type rewrites the table and every table whose foreign keys point at it.',
  messages: {
    pkTypeChange:
      'AlterField `{{field}}` changes the primary key of `{{model}}` from {{from}} to {{to}}: the table and every foreign key column pointing at it are rewritten, and those constraints are dropped and re-validated, all under exclusive locks. Referencing columns: {{referencing}}.',
    pkRedefinedUnverified:
      'AlterField `{{field}}` redefines the primary key of `{{model}}` as {{to}} (the earlier definition was not read): if the type changes, for example AutoField → BigAutoField after DEFAULT_AUTO_FIELD changed, the table and every table referencing it are rewritten under exclusive locks.',
  },
  why: [
    'When a primary key\'s column type changes, Django drops every foreign key constraint that points at it, alters the',
    'key, alters the matching column in every referencing table, and recreates the constraints (which re-checks every',
    'row). Each `ALTER COLUMN … TYPE` on PostgreSQL rewrites its table and indexes under an ACCESS EXCLUSIVE lock (no',
    'reads, no writes); MySQL/MariaDB copy each table with writes blocked; SQLite rebuilds every affected table; Oracle',
    'copies through a temporary column. On PostgreSQL with transactional DDL all of these locks are held until the',
    'migration commits, so the largest tables of the schema can be blocked together for a long time.',
    '',
    'The usual trigger is a project switching `DEFAULT_AUTO_FIELD` to `BigAutoField`: makemigrations then writes an',
    'AlterField on `id` for every model. (Only `primary_key` fields are checked; unique fields used as `to_field`',
    'targets behave the same but cannot be seen from the migration alone.)',
  ].join('\n'),
  safeAlternative: [
    '**If you do not need 64-bit ids yet, do not migrate them.** Pin the existing apps to `AutoField` so makemigrations',
    'stops generating the change, and delete the generated migration before it runs anywhere:',
    '',
    '```python',
    '# shop/apps.py',
    'from django.apps import AppConfig',
    '',
    '',
    'class ShopConfig(AppConfig):',
    '    name = "shop"',
    '    default_auto_field = "django.db.models.AutoField"  # keep 32-bit ids for this app\'s existing models',
    '```',
    '',
    '`python manage.py makemigrations --check --dry-run` must then report no changes.',
    '',
    '**If ids are running out (PostgreSQL), convert online** with a shadow column, one step per migration:',
    '',
    '1. `0042_order_id_bigint_shadow.py`: add the column and keep it in sync for new writes:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql=[',
    '                "ALTER TABLE shop_order ADD COLUMN id_new bigint;",',
    '                """CREATE FUNCTION shop_order_sync_id() RETURNS trigger AS $$',
    '                   BEGIN NEW.id_new := NEW.id; RETURN NEW; END $$ LANGUAGE plpgsql;""",',
    '                "CREATE TRIGGER shop_order_sync_id BEFORE INSERT OR UPDATE ON shop_order"',
    '                " FOR EACH ROW EXECUTE FUNCTION shop_order_sync_id();",',
    '            ],',
    '            reverse_sql=[',
    '                "DROP TRIGGER shop_order_sync_id ON shop_order;",',
    '                "DROP FUNCTION shop_order_sync_id();",',
    '                "ALTER TABLE shop_order DROP COLUMN id_new;",',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    '2. `0043_order_id_bigint_backfill.py`: copy existing ids in batches, then index and prove NOT NULL without long locks:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    'BATCH = 10000',
    '',
    '',
    'def copy_ids(apps, schema_editor):',
    '    with schema_editor.connection.cursor() as cursor:',
    '        cursor.execute("SELECT coalesce(max(id), 0) FROM shop_order")',
    '        (last,) = cursor.fetchone()',
    '        for start in range(0, last + 1, BATCH):',
    '            cursor.execute(',
    '                "UPDATE shop_order SET id_new = id WHERE id >= %s AND id < %s AND id_new IS NULL",',
    '                [start, start + BATCH],',
    '            )',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    atomic = False  # each batch and each concurrent build commits on its own',
    '',
    '    dependencies = [("shop", "0042_order_id_bigint_shadow")]',
    '',
    '    operations = [',
    '        migrations.RunPython(copy_ids, migrations.RunPython.noop),',
    '        migrations.RunSQL(',
    '            sql="CREATE UNIQUE INDEX CONCURRENTLY shop_order_id_new_uniq ON shop_order (id_new);",',
    '            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_order_id_new_uniq;",',
    '        ),',
    '        migrations.RunSQL(',
    '            sql="ALTER TABLE shop_order ADD CONSTRAINT shop_order_id_new_not_null CHECK (id_new IS NOT NULL) NOT VALID;",',
    '            reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT shop_order_id_new_not_null;",',
    '        ),',
    '        migrations.RunSQL(',
    '            sql="ALTER TABLE shop_order VALIDATE CONSTRAINT shop_order_id_new_not_null;",',
    '            reverse_sql=migrations.RunSQL.noop,',
    '        ),',
    '    ]',
    '```',
    '',
    '3. `0044_order_id_bigint_swap.py`: swap in one short transaction (a few catalog changes, no rewrite) and tell',
    '   Django the new type. Referencing columns (`shop_invoice.order_id`) stay `integer` for now and keep working; convert',
    '   each of them later the same way. Look up the real constraint names with `\\d shop_invoice` first:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0043_order_id_bigint_backfill")]',
    '',
    '    operations = [',
    '        migrations.SeparateDatabaseAndState(',
    '            database_operations=[',
    '                migrations.RunSQL(',
    '                    sql=[',
    '                        "SET LOCAL lock_timeout = \'5s\';",',
    '                        "ALTER TABLE shop_invoice DROP CONSTRAINT shop_invoice_order_id_fk;",',
    '                        "DROP TRIGGER shop_order_sync_id ON shop_order;",',
    '                        "DROP FUNCTION shop_order_sync_id();",',
    '                        "ALTER TABLE shop_order DROP CONSTRAINT shop_order_pkey;",',
    '                        "ALTER TABLE shop_order ALTER COLUMN id DROP IDENTITY IF EXISTS;",',
    '                        "ALTER TABLE shop_order ALTER COLUMN id DROP DEFAULT;",',
    '                        "ALTER TABLE shop_order RENAME COLUMN id TO id_old;",',
    '                        "ALTER TABLE shop_order ALTER COLUMN id_old DROP NOT NULL;",',
    '                        "ALTER TABLE shop_order RENAME COLUMN id_new TO id;",',
    '                        "ALTER TABLE shop_order ALTER COLUMN id SET NOT NULL;",  # proven by the validated CHECK: no scan',
    '                        "ALTER TABLE shop_order DROP CONSTRAINT shop_order_id_new_not_null;",',
    '                        "ALTER TABLE shop_order ADD CONSTRAINT shop_order_pkey PRIMARY KEY USING INDEX shop_order_id_new_uniq;",',
    '                        "ALTER TABLE shop_order ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;",',
    '                        "SELECT setval(pg_get_serial_sequence(\'shop_order\', \'id\'), (SELECT max(id) FROM shop_order));",',
    '                        "ALTER TABLE shop_invoice ADD CONSTRAINT shop_invoice_order_id_fk FOREIGN KEY (order_id)"',
    '                        " REFERENCES shop_order (id) DEFERRABLE INITIALLY DEFERRED NOT VALID;",',
    '                    ],',
    '                    reverse_sql=migrations.RunSQL.noop,  # going back is a restore: keep id_old until verified',
    '                ),',
    '            ],',
    '            state_operations=[',
    '                migrations.AlterField(',
    '                    model_name="order",',
    '                    name="id",',
    '                    field=models.BigAutoField(auto_created=True, primary_key=True, serialize=False),',
    '                ),',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    '4. `0045_order_id_bigint_cleanup.py`, after checking the application: validate the foreign key (no write lock) and',
    '   drop the old column:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0044_order_id_bigint_swap")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql=[',
    '                "ALTER TABLE shop_invoice VALIDATE CONSTRAINT shop_invoice_order_id_fk;",',
    '                "ALTER TABLE shop_order DROP COLUMN id_old;",',
    '            ],',
    '            reverse_sql=migrations.RunSQL.noop,',
    '        ),',
    '    ]',
    '```',
    '',
    'Verify before step 3: `SELECT count(*) FROM shop_order WHERE id_new IS DISTINCT FROM id;` is 0. After step 3:',
    '`SELECT data_type FROM information_schema.columns WHERE table_name = \'shop_order\' AND column_name = \'id\';` is',
    '`bigint`, and inserting a row through the app works. Rollback before step 3: reverse 0043 and 0042. After step 3',
    'the old ids are still in `id_old` until step 4; swapping back is the same dance in reverse, so rehearse it on a copy.',
  ].join('\n'),
  links: [
    'https://docs.djangoproject.com/en/stable/ref/settings/#default-auto-field',
    'https://docs.djangoproject.com/en/stable/ref/applications/#django.apps.AppConfig.default_auto_field',
  ],
  operationTypes: ['AlterField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const after = op.field;
      if (!after) return;
      const before = previousField(visit, ctx.migration.app);
      const data = { field: op.name ?? '?', model: modelLabel(visit), to: describeColumn(after) };
      if (!before) {
        // The DEFAULT_AUTO_FIELD migration usually arrives without its history; say so softly.
        if (isPrimaryKeyColumn(after)) ctx.report({ messageId: 'pkRedefinedUnverified', op, arg: 'field', data, severity: 'warning' });
        return;
      }
      if (!bothHaveColumns(before, after) || !(isPrimaryKeyColumn(before) || isPrimaryKeyColumn(after))) return;
      const resolve = relationResolver(visit, ctx.migration.app, ctx.settings);
      const a = columnKind(before, resolve);
      const b = columnKind(after, resolve);
      // A type we cannot determine (third-party class, non-literal size) is not worth a loud guess.
      if (a.sizeUnknown || b.sizeUnknown || opaque(a.base) || opaque(b.base)) return;
      // Any change in the column type counts: Django rebuilds the referencing foreign keys even for casts that need no rewrite.
      if (a.base === b.base && a.length === b.length && a.maxDigits === b.maxDigits && a.decimalPlaces === b.decimalPlaces) return;
      ctx.report({ messageId: 'pkTypeChange', op, arg: 'field', data: { ...data, from: describeColumn(before), referencing: describeReferencing(visit, ctx.migration.app, op.name ?? 'id', ctx.settings) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'AutoField to BigAutoField after DEFAULT_AUTO_FIELD changed',
        code: `from django.db import migrations, models


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
        path: 'shop/migrations/0002_alter_order_id.py',
        context: shopContext(),
        expect: [{ messageId: 'pkTypeChange', line: 11 }],
      },
      {
        name: 'earlier migrations not read',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_previous")]

    operations = [
        migrations.AlterField(
            model_name="payment",
            name="id",
            field=models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
        ),
    ]
`,
        path: 'billing/migrations/0008_alter_payment_id.py',
        expect: [{ messageId: 'pkRedefinedUnverified', line: 11 }],
      },
    ],
    good: [
      {
        name: 'online swap: the type change happens in RunSQL, the AlterField is state-only',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "ALTER TABLE shop_order DROP CONSTRAINT shop_order_pkey;",
                        "ALTER TABLE shop_order RENAME COLUMN id TO id_old;",
                        "ALTER TABLE shop_order RENAME COLUMN id_new TO id;",
                        "ALTER TABLE shop_order ADD CONSTRAINT shop_order_pkey PRIMARY KEY USING INDEX shop_order_id_new_uniq;",
                    ],
                    reverse_sql=migrations.RunSQL.noop,
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="id",
                    field=models.BigAutoField(auto_created=True, primary_key=True, serialize=False),
                ),
            ],
        ),
    ]
`,
        path: 'shop/migrations/0002_order_id_bigint_swap.py',
        context: shopContext(),
      },
      {
        name: 'same primary key type, and a new model',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="id",
            field=models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
        ),
        migrations.CreateModel(
            name="Refund",
            fields=[("id", models.AutoField(primary_key=True, serialize=False))],
        ),
        migrations.AlterField(model_name="refund", name="id", field=models.BigAutoField(primary_key=True, serialize=False)),
    ]
`,
        path: 'shop/migrations/0002_order_id_label.py',
        context: shopContext(),
      },
    ],
  },
});

/** The foreign key columns the state replay knows point at this primary key, for the message. */
function describeReferencing(visit: OperationVisit, app: string, pkName: string, settings: ResolvedSettings): string {
  if (!visit.model) return 'unknown (the model name is not a literal)';
  const columns = referencingColumns(visit.stateBefore, app, visit.model, pkName, settings);
  if (columns.length === 0) return 'none in the migrations read (foreign keys from apps that were not read are not listed)';
  return columns.map((c) => `\`${c.column}\` (${c.model}.${c.field})`).join(', ');
}

function opaque(base: string): boolean {
  return base.startsWith('class:') || base === 'relation';
}
