import { defineRule } from './types.js';
import { hasDbConstraint, relationTarget } from './_lib/fields.js';
import { databaseName } from './_lib/databases.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const addWithoutConstraint: MigrationFileSpec = {
  imports: ['import django.db.models.deletion', 'from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: [
    'migrations.AddField(',
    '    model_name="order",',
    '    name="customer",',
    '    field=models.ForeignKey(',
    '        db_constraint=False,',
    '        db_index=False,',
    '        null=True,',
    '        on_delete=django.db.models.deletion.PROTECT,',
    '        to="shop.customer",',
    '    ),',
    '),',
  ],
};

const buildIndex: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.operations import AddIndexConcurrently', 'from django.db import migrations, models'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0042_order_customer',
  operations: [
    'AddIndexConcurrently(',
    '    model_name="order",',
    '    index=models.Index(fields=["customer"], name="shop_order_customer_idx"),',
    '),',
  ],
};

const addNotValid: MigrationFileSpec = {
  imports: ['import django.db.models.deletion', 'from django.db import migrations, models'],
  dependsOn: '0043_order_customer_idx',
  operations: [
    'migrations.SeparateDatabaseAndState(',
    '    database_operations=[',
    '        migrations.RunSQL(',
    '            sql=(',
    '                "ALTER TABLE shop_order ADD CONSTRAINT shop_order_customer_id_fk "',
    '                "FOREIGN KEY (customer_id) REFERENCES shop_customer (id) "',
    '                "DEFERRABLE INITIALLY DEFERRED NOT VALID;"',
    '            ),',
    '            reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT IF EXISTS shop_order_customer_id_fk;",',
    '        ),',
    '    ],',
    '    state_operations=[',
    '        migrations.AlterField(',
    '            model_name="order",',
    '            name="customer",',
    '            field=models.ForeignKey(',
    '                db_index=False,',
    '                null=True,',
    '                on_delete=django.db.models.deletion.PROTECT,',
    '                to="shop.customer",',
    '            ),',
    '        ),',
    '    ],',
    '),',
  ],
};

const validate: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  dependsOn: '0044_order_customer_fk',
  operations: [
    'migrations.RunSQL(',
    '    sql="ALTER TABLE shop_order VALIDATE CONSTRAINT shop_order_customer_id_fk;",',
    '    reverse_sql=migrations.RunSQL.noop,',
    '),',
  ],
};

export default defineRule({
  id: 'add-field-foreign-key',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '*', mariadb: '*' },
  category: 'locking',
  risk: 'table-lock',
  summary: 'AddField of a ForeignKey adds and validates the FK constraint in one step, locking both tables against writes.',
  messages: {
    constraintLocksBothTables:
      'AddField `{{field}}` on `{{model}}` adds a FOREIGN KEY to `{{target}}` and validates it at once: PostgreSQL locks `{{model}}` (ACCESS EXCLUSIVE) and blocks writes to `{{target}}` until the migration commits.',
    constraintCopiesTable:
      'AddField `{{field}}` on `{{model}}` adds a FOREIGN KEY to `{{target}}`: with foreign_key_checks on, {{database}} adds it with ALGORITHM=COPY, rebuilding the table and blocking writes for the copy.',
  },
  why: [
    'A `ForeignKey` / `OneToOneField` keeps `db_constraint=True` by default, so Django adds the column together with',
    '`REFERENCES … DEFERRABLE INITIALLY DEFERRED` (PostgreSQL) or a separate `ADD CONSTRAINT … FOREIGN KEY` (MySQL).',
    '',
    '- **PostgreSQL** takes SHARE ROW EXCLUSIVE on the *referenced* table (writes to it wait) on top of the ACCESS',
    '  EXCLUSIVE lock on the table being altered, and checks every existing row. Both locks last until the',
    '  migration transaction commits, so a hot parent table such as `auth_user` stops accepting writes.',
    '- **MySQL / MariaDB** can add a foreign key in place only with `foreign_key_checks=0`; Django runs it with checks',
    '  on, so InnoDB copies the whole table (ALGORITHM=COPY) and blocks writes for the copy.',
    '',
    'The column index that comes with a ForeignKey is a separate cost: see `add-field-index`.',
  ].join('\n'),
  safeAlternative: [
    'Add the column without the constraint, index it concurrently, add the constraint NOT VALID, then validate it',
    'in a later migration (PostgreSQL). Deploy in this order:',
    '',
    '1. Add a nullable FK column with no constraint and no index (metadata-only):',
    '',
    migrationFile('shop/migrations/0042_order_customer.py', addWithoutConstraint),
    '',
    '2. Build the index concurrently, alone in a non-atomic migration:',
    '',
    migrationFile('shop/migrations/0043_order_customer_idx.py', buildIndex),
    '',
    '3. Add the constraint without checking existing rows (brief lock on both tables; new writes are checked) and',
    '   tell Django the field now has its constraint:',
    '',
    migrationFile('shop/migrations/0044_order_customer_fk.py', addNotValid),
    '',
    '4. Validate in its own migration: scans `shop_order` under SHARE UPDATE EXCLUSIVE and `shop_customer` under',
    '   ROW SHARE, so reads and writes continue on both:',
    '',
    migrationFile('shop/migrations/0045_validate_order_customer_fk.py', validate),
    '',
    'Run step 3 with a short `lock_timeout` (e.g. `SET lock_timeout = \'5s\'` for the migration role) and retry on',
    'timeout. Verify with `SELECT convalidated FROM pg_constraint WHERE conname = \'shop_order_customer_id_fk\';` (`t`).',
    '',
    'Rollback: `python manage.py migrate shop 0042_order_customer` drops the constraint and the index;',
    '`migrate shop 0041_previous` drops the column.',
    '',
    'MySQL / MariaDB: keep `db_constraint=False` and enforce the relation in code, or add the constraint with an',
    'online schema change tool (gh-ost, pt-online-schema-change) during a quiet period.',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/sql-altertable.html', 'https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html#online-ddl-foreign-key-operations'],
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      if (!hasDbConstraint(op.field)) return;
      const data = { field: op.name ?? 'unknown', model: modelLabel(visit), target: relationTarget(op.field) ?? 'the referenced table', database: databaseName(ctx.settings.database) };
      ctx.report({ messageId: ctx.settings.database === 'postgresql' ? 'constraintLocksBothTables' : 'constraintCopiesTable', op, arg: 'field', data });
    });
  },
  cases: {
    bad: [
      {
        name: 'ForeignKey with its constraint on an existing table',
        code: `import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="customer",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, to="shop.customer"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_customer.py',
        expect: [{ messageId: 'constraintLocksBothTables', line: 12 }],
      },
      {
        name: 'ForeignKey on MySQL',
        code: `from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="created_by",
            field=models.ForeignKey(null=True, on_delete=models.SET_NULL, to=settings.AUTH_USER_MODEL),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_created_by.py',
        settings: { database: 'mysql' },
        expect: [{ messageId: 'constraintCopiesTable', line: 12 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: FK column without a constraint', code: migrationSource(addWithoutConstraint), path: 'shop/migrations/0042_order_customer.py' },
      { name: 'safe alternative step 3: NOT VALID constraint in SQL, state only in Django', code: migrationSource(addNotValid), path: 'shop/migrations/0044_order_customer_fk.py' },
      {
        name: 'ForeignKey on a table created in the same migration',
        code: `import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
        migrations.AddField(
            model_name="refund",
            name="order",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.order"),
        ),
    ]
`,
        path: 'shop/migrations/0042_refund.py',
      },
    ],
  },
});
