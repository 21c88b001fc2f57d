import { defineRule } from './types.js';
import { shopContext } from './_lib/cases.js';
import { bothHaveColumns, describeColumn, isPrimaryKeyColumn, relationResolver, typeChange } from './_lib/columns.js';
import { mayTouchExistingTable, modelLabel, previousField } from './_lib/tables.js';

export default defineRule({
  id: 'alter-field-type',
  severity: 'error',
  severityByDatabase: { sqlite: 'warning' },
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*' },
  category: 'rolling-deploy',
  risk: 'rewrite',
  summary: 'AlterField that changes a column type rewrites or copies the table under a blocking lock (safe casts excepted).',
  messages: {
    rewritePostgres:
      'AlterField `{{field}}` on `{{model}}` changes the column from {{from}} to {{to}}: PostgreSQL rewrites the table and its indexes under an ACCESS EXCLUSIVE lock (no reads or writes meanwhile), and old code may write values the new type rejects.',
    copyMysql:
      'AlterField `{{field}}` on `{{model}}` changes the column from {{from}} to {{to}}: MySQL/MariaDB copy the whole table with writes blocked, and old code may write values the new type rejects.',
    rebuildSqlite:
      'AlterField `{{field}}` on `{{model}}` changes the column from {{from}} to {{to}}: SQLite rebuilds the whole table (create, copy, drop, rename), and old code may write values the new type rejects.',
    addsNonNegativeCheck:
      'AlterField `{{field}}` on `{{model}}` changes {{from}} to {{to}}, which adds `CHECK ({{field}} >= 0)`: PostgreSQL validates every row under an ACCESS EXCLUSIVE lock, and old code that writes a negative value starts failing.',
    classChangeUnverified:
      'AlterField `{{field}}` on `{{model}}` changes the field class from {{from}} to {{to}}, whose column type is not known here: if the database type differs, the table is rewritten under a blocking lock; check with `sqlmigrate`.',
  },
  why: [
    '- **PostgreSQL**: `ALTER COLUMN … TYPE` takes an ACCESS EXCLUSIVE lock (no reads, no writes) and rewrites the table',
    '  and every index on it, unless the cast is binary-coercible. Safe without a rewrite: a longer `max_length` or',
    '  removing it (`varchar(n)` → `varchar(m ≥ n)` / `varchar`), CharField → TextField, and a larger `max_digits` with',
    '  the same `decimal_places`. Indexes on the column are still rebuilt.',
    '- **MySQL / MariaDB**: `MODIFY` with a new type uses the COPY algorithm: the table is copied with concurrent writes',
    '  blocked. Safe in place: a longer VARCHAR that keeps the same length prefix, i.e. both lengths ≤ 63 characters or',
    '  both ≥ 64 with utf8mb4 (255 bytes is the one-byte limit).',
    '- **SQLite**: Django rebuilds the table for any column change.',
    '',
    'During a rolling deploy old code keeps writing values for the old type: a shorter `max_length`, fewer decimals or',
    'a different type can make its writes fail, and a rollback can write values the new type rejects. Narrowing also',
    'fails outright when existing rows do not fit. Primary keys are covered by `alter-field-pk-type`.',
  ].join('\n'),
  safeAlternative: [
    'If you only need more room, stay inside the safe casts above (on PostgreSQL, a longer or unlimited `max_length`,',
    'CharField → TextField, more `max_digits` at the same `decimal_places`). Otherwise expand and contract with a new',
    'column (here `total` DecimalField(10, 2) → DecimalField(14, 4)):',
    '',
    '1. `0042_order_total_precise.py` (before the rollout), and deploy code that writes both `total` and',
    '   `total_precise`:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0041_previous")]',
    '',
    '    operations = [',
    '        migrations.AddField(',
    '            model_name="order",',
    '            name="total_precise",',
    '            field=models.DecimalField(max_digits=14, decimal_places=4, null=True),',
    '        ),',
    '    ]',
    '```',
    '',
    '2. `0043_backfill_order_total_precise.py`, in batches:',
    '',
    '```python',
    'from django.db import migrations, transaction',
    'from django.db.models import F',
    '',
    'BATCH = 5000',
    '',
    '',
    'def copy_total(apps, schema_editor):',
    '    Order = apps.get_model("shop", "Order")',
    '    db = schema_editor.connection.alias',
    '    while True:',
    '        ids = list(Order.objects.using(db).filter(total_precise__isnull=True).values_list("pk", flat=True)[:BATCH])',
    '        if not ids:',
    '            break',
    '        with transaction.atomic(using=db):',
    '            Order.objects.using(db).filter(pk__in=ids).update(total_precise=F("total"))',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    atomic = False',
    '',
    '    dependencies = [("shop", "0042_order_total_precise")]',
    '',
    '    operations = [migrations.RunPython(copy_total, migrations.RunPython.noop, elidable=True)]',
    '```',
    '',
    '3. Deploy code that reads `total_precise` (still writing both). Then deploy code that no longer knows `total`.',
    '',
    '4. `0044_remove_order_total.py`, after that rollout (post-deploy):',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("shop", "0043_backfill_order_total_precise")]',
    '',
    '    operations = [',
    '        migrations.RemoveField(model_name="order", name="total"),',
    '    ]',
    '```',
    '',
    'Make `total_precise` NOT NULL along the way with the recipe of `alter-field-set-not-null`. If the Python name must',
    'go back to `total`, rename it with `db_column="total_precise"` so no column is renamed.',
    '',
    'Verify before step 4: `SELECT count(*) FROM shop_order WHERE total_precise IS NULL OR total_precise <> total;` is',
    '0. Rollback: steps 1–3 roll back with the code; step 4 needs the data from a backup.',
  ].join('\n'),
  links: [
    'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
    'https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html',
  ],
  operationTypes: ['AlterField'],
  check(ctx) {
    const database = ctx.settings.database;
    const messageId = database === 'postgresql' ? 'rewritePostgres' : database === 'sqlite' ? 'rebuildSqlite' : 'copyMysql';
    ctx.each((op, _before, visit) => {
      if (!mayTouchExistingTable(ctx, visit)) return;
      const before = previousField(visit, ctx.migration.app);
      const after = op.field;
      // The earlier type is needed to say anything; primary keys have their own rule.
      if (!before || !after || !bothHaveColumns(before, after)) return;
      if (isPrimaryKeyColumn(before) || isPrimaryKeyColumn(after)) return;
      const change = typeChange(before, after, database, relationResolver(visit, ctx.migration.app, ctx.settings));
      // Most AlterFields change nothing here: describe the columns only for a finding.
      const data = () => ({ field: op.name ?? '?', model: modelLabel(visit), from: describeColumn(before), to: describeColumn(after) });
      if (change === 'rewrite') ctx.report({ messageId, op, arg: 'field', data: data() });
      else if (change === 'check-added') ctx.report({ messageId: 'addsNonNegativeCheck', op, arg: 'field', data: data() });
      // A third-party class (or an unresolved foreign key target) may or may not change the type: say so softly.
      else if (change === 'unknown' && before.type !== after.type) ctx.report({ messageId: 'classChangeUnverified', op, arg: 'field', data: data(), severity: 'warning' });
    });
  },
  cases: {
    bad: [
      {
        name: 'changing the scale of a decimal',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="total",
            field=models.DecimalField(max_digits=14, decimal_places=4),
        ),
        migrations.AlterField(
            model_name="order",
            name="number",
            field=models.CharField(max_length=12),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_total_precision.py',
        context: shopContext(),
        expect: [
          { messageId: 'rewritePostgres', line: 11 },
          { messageId: 'rewritePostgres', line: 16 },
        ],
      },
      {
        name: 'MySQL: VARCHAR growing past the one-byte length prefix',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="number", field=models.CharField(max_length=100)),
        migrations.AlterField(model_name="order", name="note", field=models.CharField(max_length=500, null=True)),
    ]
`,
        path: 'shop/migrations/0002_order_number_length.py',
        context: shopContext(),
        settings: { database: 'mysql' },
        expect: [
          { messageId: 'copyMysql', line: 8 },
          { messageId: 'copyMysql', line: 9 },
        ],
      },
      {
        name: 'IntegerField to PositiveIntegerField adds a CHECK',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_priority")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="rank",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
`,
        path: 'shop/migrations/0003_order_rank_positive.py',
        context: shopContext({
          'shop/migrations/0002_order_priority.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="priority", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="order", name="rank", field=models.IntegerField(default=0)),
    ]
`,
        }),
        expect: [{ messageId: 'addsNonNegativeCheck', line: 11 }],
      },
      {
        name: 'third-party field class whose column type is unknown',
        code: `from django.db import migrations
import djmoney.models.fields


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="total",
            field=djmoney.models.fields.MoneyField(max_digits=10, decimal_places=2, default_currency="EUR"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_total_money.py',
        context: shopContext(),
        expect: [{ messageId: 'classChangeUnverified', line: 12 }],
      },
    ],
    good: [
      {
        name: 'PostgreSQL safe casts: longer varchar, varchar to text, more digits',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_priority")]

    operations = [
        migrations.AlterField(model_name="order", name="number", field=models.CharField(max_length=100)),
        migrations.AlterField(model_name="order", name="status", field=models.TextField()),
        migrations.AlterField(model_name="order", name="total", field=models.DecimalField(max_digits=14, decimal_places=2)),
        migrations.AlterField(model_name="order", name="note", field=models.TextField(null=True, help_text="Free text")),
        migrations.AlterField(model_name="order", name="priority", field=models.IntegerField()),
    ]
`,
        path: 'shop/migrations/0003_order_sizes.py',
        context: shopContext({
          'shop/migrations/0002_order_priority.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="priority", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="order", name="rank", field=models.IntegerField(default=0)),
    ]
`,
        }),
      },
      {
        name: 'CharField subclass of the same length, and a foreign key moved to a model with the same key type',
        code: `from django.db import migrations, models
import django.db.models.deletion
import django_countries.fields


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="number", field=django_countries.fields.CountryField(max_length=20)),
        migrations.AlterField(
            model_name="invoice",
            name="order",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.customer"),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_country.py',
        context: shopContext(),
      },
      {
        name: 'expand with a new column instead of changing the type',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="total_precise",
            field=models.DecimalField(max_digits=14, decimal_places=4, null=True),
        ),
    ]
`,
        path: 'shop/migrations/0002_order_total_precise.py',
        context: shopContext(),
      },
      {
        name: 'MySQL: VARCHAR growing within the same length prefix',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="number", field=models.CharField(max_length=60)),
        migrations.AlterField(model_name="order", name="reference", field=models.CharField(max_length=40, db_column="legacy_ref", blank=True)),
    ]
`,
        path: 'shop/migrations/0002_order_number_length.py',
        context: shopContext(),
        settings: { database: 'mysql' },
      },
    ],
  },
});
