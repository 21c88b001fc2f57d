import { defineRule } from './types.js';
import { constraintInfo } from './_lib/constraints.js';
import { addedSets, previousTogether, togetherSets } from './_lib/indexes.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const buildIndex: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0041_previous',
  operations: [
    'migrations.RunSQL(',
    '    sql="CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS shop_order_channel_number_uniq ON shop_order (channel_id, number);",',
    '    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_order_channel_number_uniq;",',
    '),',
  ],
};

const attach: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0042_order_channel_number_uniq',
  operations: [
    'migrations.SeparateDatabaseAndState(',
    '    database_operations=[',
    '        migrations.RunSQL(',
    '            sql=(',
    '                "ALTER TABLE shop_order ADD CONSTRAINT shop_order_channel_number_uniq "',
    '                "UNIQUE USING INDEX shop_order_channel_number_uniq;"',
    '            ),',
    '            reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT shop_order_channel_number_uniq;",',
    '        ),',
    '    ],',
    '    state_operations=[',
    '        migrations.AddConstraint(',
    '            model_name="order",',
    '            constraint=models.UniqueConstraint(fields=["channel", "number"], name="shop_order_channel_number_uniq"),',
    '        ),',
    '    ],',
    '),',
  ],
};

const partialIndex: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0041_previous',
  operations: [
    'migrations.SeparateDatabaseAndState(',
    '    database_operations=[',
    '        migrations.RunSQL(',
    '            sql=(',
    '                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS shop_order_open_cart_uniq "',
    '                "ON shop_order (customer_id) WHERE status = \'cart\';"',
    '            ),',
    '            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_order_open_cart_uniq;",',
    '        ),',
    '    ],',
    '    state_operations=[',
    '        migrations.AddConstraint(',
    '            model_name="order",',
    '            constraint=models.UniqueConstraint(',
    '                fields=["customer"], condition=models.Q(status="cart"), name="shop_order_open_cart_uniq"',
    '            ),',
    '        ),',
    '    ],',
    '),',
  ],
};

export default defineRule({
  id: 'add-unique-constraint',
  severity: 'warning',
  severityByDatabase: { postgresql: 'error' },
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'locking',
  risk: 'index-build',
  summary: 'AddConstraint(UniqueConstraint) / AlterUniqueTogether builds a unique index over the whole table while blocking it.',
  messages: {
    constraintUnderExclusiveLock:
      'AddConstraint `{{name}}` on `{{model}}` adds a UNIQUE constraint: PostgreSQL builds its index under an ACCESS EXCLUSIVE lock, so reads and writes wait for the whole build, and it fails if duplicates exist.',
    uniqueIndexBlocksWrites:
      'AddConstraint `{{name}}` on `{{model}}` is a unique constraint with {{variant}}, which Django creates with a plain CREATE UNIQUE INDEX: every write to the table waits for the whole build.',
    togetherUnderExclusiveLock:
      'AlterUniqueTogether on `{{model}}` adds UNIQUE ({{fields}}): PostgreSQL builds its index under an ACCESS EXCLUSIVE lock, so reads and writes wait for the whole build, and it fails if duplicates exist.',
    mayAddTogether:
      'AlterUniqueTogether on `{{model}}` sets unique_together and the model\'s earlier state is unknown (its migrations were not analysed): any set it adds is built under an ACCESS EXCLUSIVE lock on PostgreSQL.',
    uniqueIndexBuild:
      '{{operation}} on `{{model}}` builds a unique index over every existing row: the migration fails if duplicates exist, and old code may keep inserting duplicates until it is in place.',
  },
  why: [
    'A `UniqueConstraint(fields=[...])` or a new `unique_together` set becomes `ALTER TABLE … ADD CONSTRAINT … UNIQUE`.',
    'PostgreSQL builds the backing index while holding ACCESS EXCLUSIVE: every read and write on the table waits',
    'for the whole build and for the rest of the migration transaction. A constraint with `condition=`,',
    'expressions, `include=` or `opclasses=` is created as `CREATE UNIQUE INDEX` instead, which lets reads through',
    'but still blocks every write.',
    '',
    'On every database the build fails if duplicates already exist, and old code still running during the deploy',
    'can insert new duplicates until the index exists. MySQL/MariaDB build the index online, but need an exclusive',
    'metadata lock at the start and end of the ALTER; SQLite rebuilds the table.',
  ].join('\n'),
  safeAlternative: [
    'Find and fix duplicates first:',
    '`SELECT channel_id, number, count(*) FROM shop_order GROUP BY 1, 2 HAVING count(*) > 1;`',
    '',
    'PostgreSQL: build the unique index concurrently, then attach it as the constraint.',
    '',
    '1. The index, alone in a non-atomic migration (writes continue):',
    '',
    migrationFile('shop/migrations/0042_order_channel_number_uniq.py', buildIndex),
    '',
    '2. The constraint from that index (brief ACCESS EXCLUSIVE, no build, no scan), recorded in Django\'s state:',
    '',
    migrationFile('shop/migrations/0043_order_channel_number_unique.py', attach),
    '',
    'For a conditional or expression constraint, the unique index *is* the constraint: build it concurrently and',
    'record the constraint in state only, in one non-atomic migration:',
    '',
    migrationFile('shop/migrations/0042_order_open_cart_uniq.py', partialIndex),
    '',
    'Replace `unique_together` with `Meta.constraints` the same way (Django recommends UniqueConstraint). Run step 2',
    'with a short `lock_timeout`. If step 1 fails it leaves an INVALID index: `DROP INDEX CONCURRENTLY IF EXISTS',
    'shop_order_channel_number_uniq;`, fix the duplicates, retry.',
    '',
    'Verify: `\\d shop_order` lists the constraint, and `makemigrations --check` reports no changes.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` drops the constraint and its index.',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/sql-altertable.html', 'https://docs.djangoproject.com/en/stable/ref/models/constraints/#uniqueconstraint'],
  operationTypes: ['AddConstraint', 'AlterUniqueTogether'],
  check(ctx) {
    const postgres = ctx.settings.database === 'postgresql';
    ctx.each('AddConstraint', (op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      const model = modelLabel(visit);
      const info = constraintInfo(op.args['constraint']);
      if (info?.kind !== 'unique') return;
      const arg = 'constraint';
      if (!postgres) ctx.report({ messageId: 'uniqueIndexBuild', op, arg, data: { operation: `AddConstraint \`${info.name}\``, model } });
      else if (info.indexBacked) ctx.report({ messageId: 'uniqueIndexBlocksWrites', op, arg, data: { name: info.name, model, variant: describeVariant(op.args['constraint']) } });
      else ctx.report({ messageId: 'constraintUnderExclusiveLock', op, arg, data: { name: info.name, model } });
    });
    ctx.each('AlterUniqueTogether', (op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      const model = modelLabel(visit);
      const after = togetherSets(op.args['unique_together']);
      if (!after || after.length === 0) return;
      const arg = 'unique_together';
      const before = previousTogether(ctx, visit, 'unique_together');
      if (!before) {
        if (postgres) ctx.report({ messageId: 'mayAddTogether', op, arg, data: { model }, severity: 'info' });
        return;
      }
      const added = addedSets(before, after);
      if (added.length === 0) return;
      const fields = added.map((set) => set.join(', ')).join('), (');
      if (postgres) ctx.report({ messageId: 'togetherUnderExclusiveLock', op, arg, data: { model, fields } });
      else ctx.report({ messageId: 'uniqueIndexBuild', op, arg, data: { operation: 'AlterUniqueTogether', model } });
    });
  },
  cases: {
    bad: [
      {
        name: 'UniqueConstraint and a conditional one on an existing table',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(fields=["channel", "number"], name="shop_order_channel_number_uniq"),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(
                fields=["customer"], condition=models.Q(status="cart"), name="shop_order_open_cart_uniq"
            ),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_constraints.py',
        expect: [
          { messageId: 'constraintUnderExclusiveLock', line: 10 },
          { messageId: 'uniqueIndexBlocksWrites', line: 14 },
        ],
      },
      {
        name: 'unique_together gains a set',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterUniqueTogether(
            name="order",
            unique_together={("channel", "number")},
        ),
    ]
`,
        path: 'shop/migrations/0002_order_unique_together.py',
        context: {
          'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("channel", models.CharField(max_length=16)),
                ("number", models.IntegerField()),
            ],
        ),
    ]
`,
        },
        expect: [{ messageId: 'togetherUnderExclusiveLock', line: 10 }],
      },
      {
        name: 'UniqueConstraint on MySQL',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(fields=["channel", "number"], name="shop_order_channel_number_uniq"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_constraints.py',
        settings: { database: 'mysql' },
        expect: [{ messageId: 'uniqueIndexBuild', line: 10 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: concurrent unique index', code: migrationSource(buildIndex), path: 'shop/migrations/0042_order_channel_number_uniq.py' },
      { name: 'safe alternative step 2: constraint attached USING INDEX', code: migrationSource(attach), path: 'shop/migrations/0043_order_channel_number_unique.py' },
      { name: 'safe alternative: conditional unique index, constraint in state only', code: migrationSource(partialIndex), path: 'shop/migrations/0042_order_open_cart_uniq.py' },
      {
        name: 'unique constraint on a table created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("number", models.IntegerField())],
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(fields=["number"], name="shop_order_number_uniq"),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});

/** Which option turns the constraint into a unique index, for the message. */
function describeVariant(value: Parameters<typeof constraintInfo>[0]): string {
  if (value?.kind !== 'call') return 'options';
  if (value.args.length > 0 || value.kwargs['expressions']) return 'expressions';
  for (const key of ['condition', 'include', 'opclasses']) if (value.kwargs[key]) return `${key}=`;
  return 'options';
}
