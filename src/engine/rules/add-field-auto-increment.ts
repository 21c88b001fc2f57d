import { defineRule } from './types.js';
import { isAutoField } from './_lib/fields.js';
import { databaseName } from './_lib/databases.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const addColumn: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: ['migrations.AddField(', '    model_name="coupon",', '    name="id",', '    field=models.BigIntegerField(null=True),', '),'],
};

const sequence: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  dependsOn: '0042_coupon_id',
  operations: [
    'migrations.RunSQL(',
    '    sql=[',
    '        "CREATE SEQUENCE shop_coupon_id_seq OWNED BY shop_coupon.id;",',
    '        # SET DEFAULT on an existing column only affects new rows: no rewrite.',
    '        "ALTER TABLE shop_coupon ALTER COLUMN id SET DEFAULT nextval(\'shop_coupon_id_seq\');",',
    '        "ALTER TABLE shop_coupon ADD CONSTRAINT shop_coupon_id_not_null CHECK (id IS NOT NULL) NOT VALID;",',
    '    ],',
    '    reverse_sql=[',
    '        "ALTER TABLE shop_coupon DROP CONSTRAINT shop_coupon_id_not_null;",',
    '        "ALTER TABLE shop_coupon ALTER COLUMN id DROP DEFAULT;",',
    '        "DROP SEQUENCE shop_coupon_id_seq;",',
    '    ],',
    '),',
  ],
};

const backfill: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  preamble: [
    'def number_existing_rows(apps, schema_editor):',
    '    with schema_editor.connection.cursor() as cursor:',
    '        while True:',
    '            cursor.execute(',
    '                "UPDATE shop_coupon SET id = nextval(\'shop_coupon_id_seq\') WHERE code IN "',
    '                "(SELECT code FROM shop_coupon WHERE id IS NULL LIMIT 5000)"',
    '            )',
    '            if cursor.rowcount == 0:',
    '                break',
  ].join('\n'),
  nonAtomicBecause: 'each batch commits on its own: short row locks only',
  dependsOn: '0043_coupon_id_sequence',
  operations: ['migrations.RunPython(number_existing_rows, migrations.RunPython.noop),'],
};

const validate: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  dependsOn: '0044_number_coupons',
  operations: ['migrations.RunSQL(', '    sql="ALTER TABLE shop_coupon VALIDATE CONSTRAINT shop_coupon_id_not_null;",', '    reverse_sql=migrations.RunSQL.noop,', '),'],
};

const indexFor = (column: string, dependsOn: string): MigrationFileSpec => ({
  imports: ['from django.db import migrations'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn,
  operations: [
    'migrations.RunSQL(',
    `    sql="CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS shop_coupon_${column}_uniq ON shop_coupon (${column});",`,
    `    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_coupon_${column}_uniq;",`,
    '),',
  ],
});

const swap: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0047_coupon_code_uniq',
  operations: [
    'migrations.SeparateDatabaseAndState(',
    '    database_operations=[',
    '        migrations.RunSQL(',
    '            sql=[',
    '                "ALTER TABLE shop_coupon ALTER COLUMN id SET NOT NULL;",  # no scan: the CHECK is validated',
    '                "ALTER TABLE shop_coupon DROP CONSTRAINT shop_coupon_pkey, "',
    '                "ADD CONSTRAINT shop_coupon_pkey PRIMARY KEY USING INDEX shop_coupon_id_uniq, "',
    '                "ADD CONSTRAINT shop_coupon_code_key UNIQUE USING INDEX shop_coupon_code_uniq;",',
    '                "ALTER TABLE shop_coupon DROP CONSTRAINT shop_coupon_id_not_null;",',
    '            ],',
    '            reverse_sql=migrations.RunSQL.noop,',
    '        ),',
    '    ],',
    '    state_operations=[',
    '        migrations.AlterField(',
    '            model_name="coupon",',
    '            name="code",',
    '            field=models.CharField(max_length=32, unique=True),',
    '        ),',
    '        migrations.AlterField(',
    '            model_name="coupon",',
    '            name="id",',
    '            field=models.BigAutoField(primary_key=True, serialize=False),',
    '        ),',
    '    ],',
    '),',
  ],
};

export default defineRule({
  id: 'add-field-auto-increment',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'locking',
  risk: 'rewrite',
  summary: 'AddField of an AutoField/BigAutoField/SmallAutoField to an existing table numbers every row in one table rewrite.',
  messages: {
    autoIncrementRewrite:
      'AddField `{{field}}` on `{{model}}` adds an auto-increment {{type}}: {{database}} numbers every existing row by rewriting the whole table under a lock that blocks reads and writes, and builds the primary key index in the same statement.',
  },
  why: [
    'An `AutoField`/`BigAutoField`/`SmallAutoField` column is `serial`/`GENERATED BY DEFAULT AS IDENTITY` on',
    'PostgreSQL and `AUTO_INCREMENT` on MySQL/MariaDB. Adding one to a table that has rows means drawing a sequence',
    'value for every existing row:',
    '',
    '- **PostgreSQL** rewrites the table and all its indexes under ACCESS EXCLUSIVE (no reads, no writes) and then',
    '  builds the primary key index, all inside the migration transaction.',
    '- **MySQL / MariaDB** rebuild the table for an AUTO_INCREMENT column and do not permit concurrent writes while',
    '  they do.',
    '- **SQLite** copies the whole table.',
    '',
    'Auto fields must be primary keys, so this also replaces the table\'s primary key: foreign keys pointing at the',
    'old key must be handled, and old code keeps using the old key until it is redeployed.',
  ].join('\n'),
  safeAlternative: [
    'Add a plain nullable column, attach a sequence for new rows, number the existing rows in batches, build the',
    'unique indexes concurrently, then swap the primary key with `USING INDEX` (PostgreSQL). The example gives',
    '`shop.Coupon` (primary key `code`) a new `id` primary key:',
    '',
    '1. Add the column (metadata-only):',
    '',
    migrationFile('shop/migrations/0042_coupon_id.py', addColumn),
    '',
    '2. Create the sequence, make it the default for new rows, and add a NOT NULL check without scanning:',
    '',
    migrationFile('shop/migrations/0043_coupon_id_sequence.py', sequence),
    '',
    '3. Number the existing rows in committed batches:',
    '',
    migrationFile('shop/migrations/0044_number_coupons.py', backfill),
    '',
    '4. Validate the check (scans without blocking reads or writes):',
    '',
    migrationFile('shop/migrations/0045_validate_coupon_id.py', validate),
    '',
    '5. and 6. Build the unique indexes the swap needs, one per non-atomic migration:',
    '',
    migrationFile('shop/migrations/0046_coupon_id_uniq.py', indexFor('id', '0045_validate_coupon_id')),
    '',
    migrationFile('shop/migrations/0047_coupon_code_uniq.py', indexFor('code', '0046_coupon_id_uniq')),
    '',
    '7. Swap the primary key using the prebuilt indexes (brief ACCESS EXCLUSIVE, no scan, no index build) and update',
    '   Django\'s state:',
    '',
    migrationFile('shop/migrations/0048_coupon_id_primary_key.py', swap),
    '',
    'Before step 7, foreign keys that reference `shop_coupon(code)` depend on `shop_coupon_pkey`: drop them first and',
    're-add them against `shop_coupon_code_key` (NOT VALID, then VALIDATE — see `add-field-foreign-key`). Run step 7',
    'with a short `lock_timeout` and retry on timeout. Deploy code that uses `id` only after step 7.',
    '',
    'Verify: `\\d shop_coupon` shows `shop_coupon_pkey PRIMARY KEY, btree (id)` and',
    '`SELECT count(*) FROM shop_coupon WHERE id IS NULL;` returns 0.',
    '',
    'Rollback: before step 7, `python manage.py migrate shop 0041_previous` undoes everything. Step 7 reverses as a',
    'no-op on purpose (the new key stays): swapping back needs the same index-first procedure in reverse.',
    '',
    'MySQL / MariaDB: use an online schema change tool (gh-ost, pt-online-schema-change) to add the column and swap',
    'the key, then record the change with a state-only `SeparateDatabaseAndState`.',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/sql-altertable.html', 'https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html#online-ddl-column-operations'],
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      if (!isAutoField(op.field)) return;
      ctx.report({
        messageId: 'autoIncrementRewrite',
        op, arg: 'field',
        data: { field: op.name ?? 'unknown', model: modelLabel(visit), type: op.field.type, database: databaseName(ctx.settings.database) },
      });
    });
  },
  cases: {
    bad: [
      {
        name: 'BigAutoField added to an existing table',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AlterField(
            model_name="coupon",
            name="code",
            field=models.CharField(max_length=32, unique=True),
        ),
        migrations.AddField(
            model_name="coupon",
            name="id",
            field=models.BigAutoField(default=1, primary_key=True, serialize=False),
            preserve_default=False,
        ),
    ]
`,
        path: 'shop/migrations/0042_coupon_id.py',
        expect: [{ messageId: 'autoIncrementRewrite', line: 16 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: plain nullable bigint', code: migrationSource(addColumn), path: 'shop/migrations/0042_coupon_id.py' },
      { name: 'safe alternative step 7: key swap in SQL, auto field in state only', code: migrationSource(swap), path: 'shop/migrations/0048_coupon_id_primary_key.py' },
      {
        name: 'auto field on a table created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Coupon",
            fields=[("code", models.CharField(max_length=32, unique=True))],
        ),
        migrations.AddField(
            model_name="coupon",
            name="id",
            field=models.BigAutoField(primary_key=True, serialize=False),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});
