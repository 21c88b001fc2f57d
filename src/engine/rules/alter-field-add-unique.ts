import { defineRule } from './types.js';
import { isPrimaryKey } from './_lib/fields.js';
import { isTrue } from './_lib/values.js';
import { addsUniqueIndex } from './_lib/indexes.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, previousField, touchesExistingTable } from './_lib/tables.js';

const initial = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("email", models.EmailField(max_length=254)),
            ],
        ),
    ]
`;

const context = { 'shop/migrations/0001_initial.py': initial };

const buildIndex: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0001_initial',
  operations: [
    'migrations.RunSQL(',
    '    sql="CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS shop_customer_email_uniq ON shop_customer (email);",',
    '    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_customer_email_uniq;",',
    '),',
  ],
};

const attach: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0002_customer_email_uniq',
  operations: [
    'migrations.SeparateDatabaseAndState(',
    '    database_operations=[',
    '        migrations.RunSQL(',
    '            sql="ALTER TABLE shop_customer ADD CONSTRAINT shop_customer_email_uniq UNIQUE USING INDEX shop_customer_email_uniq;",',
    '            reverse_sql="ALTER TABLE shop_customer DROP CONSTRAINT shop_customer_email_uniq;",',
    '        ),',
    '    ],',
    '    state_operations=[',
    '        migrations.AlterField(',
    '            model_name="customer",',
    '            name="email",',
    '            field=models.EmailField(max_length=254, unique=True),',
    '        ),',
    '    ],',
    '),',
  ],
};

export default defineRule({
  id: 'alter-field-add-unique',
  severity: 'error',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'index-build',
  summary: 'AlterField that makes a column unique (or the primary key) builds the unique index under an ACCESS EXCLUSIVE lock.',
  messages: {
    uniqueUnderExclusiveLock:
      'AlterField `{{field}}` on `{{model}}` {{change}}: PostgreSQL builds the unique index under an ACCESS EXCLUSIVE lock, so reads and writes wait for the whole build, and it fails if duplicates exist.',
    mayAddUnique:
      'AlterField `{{field}}` on `{{model}}` declares unique=True and the field\'s earlier state is unknown (its migrations were not analysed): if it was not unique before, PostgreSQL builds the unique index under an ACCESS EXCLUSIVE lock.',
  },
  why: [
    'Turning `unique` on (or `primary_key`, or ForeignKey → OneToOneField) makes Django run',
    '`ALTER TABLE … ADD CONSTRAINT … UNIQUE (…)`. PostgreSQL builds the backing unique index while holding ACCESS',
    'EXCLUSIVE on the table: every read and write waits for the whole build, and everything queued behind waits',
    'too. If any duplicate exists the statement fails after doing all that work. Old code that is still running',
    'may also insert duplicates right up to the moment the constraint appears.',
  ].join('\n'),
  safeAlternative: [
    'Remove duplicates, build the unique index concurrently, then attach it as the constraint:',
    '',
    '0. Check for duplicates and fix them first:',
    '   `SELECT email, count(*) FROM shop_customer GROUP BY email HAVING count(*) > 1;`',
    '',
    '1. Build the unique index without blocking writes, alone in a non-atomic migration:',
    '',
    migrationFile('shop/migrations/0002_customer_email_uniq.py', buildIndex),
    '',
    '2. Attach it as the constraint (brief ACCESS EXCLUSIVE, no scan, no build) and record `unique=True` in',
    '   Django\'s state:',
    '',
    migrationFile('shop/migrations/0003_customer_email_unique.py', attach),
    '',
    'Run step 2 with a short `lock_timeout` and retry on timeout. If step 1 fails (for example on a duplicate that',
    'arrived meanwhile) it leaves an INVALID index: `DROP INDEX CONCURRENTLY IF EXISTS shop_customer_email_uniq;`,',
    'fix the data, retry.',
    '',
    'Verify: `\\d shop_customer` lists `"shop_customer_email_uniq" UNIQUE CONSTRAINT`, and',
    '`python manage.py makemigrations --check` reports no changes.',
    '',
    'Rollback: `python manage.py migrate shop 0001_initial` drops the constraint, then the index.',
  ].join('\n'),
  links: ['https://www.postgresql.org/docs/current/sql-altertable.html', 'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY'],
  operationTypes: ['AlterField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!op.field || !touchesExistingTable(ctx, visit)) return;
      const field = op.field;
      if (!addsUniqueIndex(field)) return;
      const data = { field: op.name ?? 'unknown', model: modelLabel(visit) };
      const before = previousField(visit, ctx.migration.app);
      if (!before) {
        // Never guess loudly: makemigrations repeats unique=True on every AlterField of a unique field.
        if (isTrue(field, 'unique')) ctx.report({ messageId: 'mayAddUnique', op, arg: 'field', data, severity: 'info' });
        return;
      }
      if (addsUniqueIndex(before)) return;
      const change = isPrimaryKey(field) ? 'makes the column the primary key' : field.type === 'OneToOneField' ? 'turns the column into a OneToOneField (unique)' : 'makes the column unique';
      ctx.report({ messageId: 'uniqueUnderExclusiveLock', op, arg: 'field', data: { ...data, change } });
    });
  },
  cases: {
    bad: [
      {
        name: 'unique=True added to an existing column',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="email",
            field=models.EmailField(max_length=254, unique=True),
        ),
    ]
`,
        path: 'shop/migrations/0002_customer_email_unique.py',
        context,
        expect: [{ messageId: 'uniqueUnderExclusiveLock', line: 11 }],
      },
      {
        name: 'earlier state unknown: softer message',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="email",
            field=models.EmailField(max_length=254, unique=True),
        ),
    ]
`,
        path: 'shop/migrations/0042_customer_email_unique.py',
        expect: [{ messageId: 'mayAddUnique', line: 11 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: concurrent unique index', code: migrationSource(buildIndex), path: 'shop/migrations/0002_customer_email_uniq.py', context },
      {
        name: 'safe alternative step 2: constraint from the index, unique in state only',
        code: migrationSource(attach),
        path: 'shop/migrations/0003_customer_email_unique.py',
        context: { ...context, 'shop/migrations/0002_customer_email_uniq.py': migrationSource(buildIndex) },
      },
      {
        name: 'field that was already unique (only max_length changes)',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="email",
            field=models.EmailField(max_length=320, unique=True),
        ),
    ]
`,
        path: 'shop/migrations/0002_customer_email_length.py',
        context: {
          'shop/migrations/0001_initial.py': initial.replace('models.EmailField(max_length=254)', 'models.EmailField(max_length=254, unique=True)'),
        },
      },
      {
        name: 'unique on a model created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("email", models.EmailField(max_length=254))],
        ),
        migrations.AlterField(
            model_name="customer",
            name="email",
            field=models.EmailField(max_length=254, unique=True),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});
