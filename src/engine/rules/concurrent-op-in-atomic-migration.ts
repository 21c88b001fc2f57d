import { defineRule } from './types.js';
import { concurrentOperation } from './_lib/effects.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';

const nonAtomic: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.operations import AddIndexConcurrently', 'from django.db import migrations, models'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0041_previous',
  operations: ['AddIndexConcurrently(', '    model_name="order",', '    index=models.Index(fields=["created_at"], name="shop_order_created_idx"),', '),'],
};

const rawSql: MigrationFileSpec = {
  imports: ['from django.db import migrations'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0041_previous',
  operations: [
    'migrations.RunSQL(',
    '    sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS shop_order_created_idx ON shop_order (created_at);",',
    '    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_order_created_idx;",',
    '),',
  ],
};

export default defineRule({
  id: 'concurrent-op-in-atomic-migration',
  severity: 'error',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'failure',
  summary: 'A CONCURRENTLY index operation in a migration without atomic = False fails: PostgreSQL refuses it inside a transaction.',
  messages: {
    djangoRefuses:
      '{{operation}} runs inside the migration transaction: Django raises NotSupportedError ("cannot be executed inside a transaction") because this migration does not set atomic = False.',
    postgresRefuses:
      '{{operation}} runs inside the migration transaction: PostgreSQL refuses it with "cannot run inside a transaction block" because this migration does not set atomic = False.',
  },
  why: [
    '`CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY` and `REINDEX … CONCURRENTLY` wait for other',
    'transactions in several phases, so PostgreSQL forbids them inside a transaction block. Django wraps every',
    'migration in one transaction on PostgreSQL unless the migration sets `atomic = False`.',
    '',
    '`AddIndexConcurrently` / `RemoveIndexConcurrently` check this themselves and raise `NotSupportedError` before',
    'running; a `RunSQL` with `CONCURRENTLY` reaches the server and fails there. Either way the deploy stops at this',
    'migration, and everything before it in the same migration is rolled back.',
  ].join('\n'),
  safeAlternative: [
    'Put the concurrent operation in its own migration and set `atomic = False` on that migration:',
    '',
    migrationFile('shop/migrations/0042_order_created_idx.py', nonAtomic),
    '',
    'or, with raw SQL (make it re-runnable with `IF NOT EXISTS` / `IF EXISTS`):',
    '',
    migrationFile('shop/migrations/0042_order_created_idx.py', rawSql),
    '',
    'Move every other operation of the original migration into a separate (atomic) migration before or after it:',
    'in a non-atomic migration each operation commits on its own, so a failure halfway leaves the earlier ones',
    'applied (see `concurrent-op-not-isolated`).',
    '',
    'Verify: `python manage.py sqlmigrate shop 0042_order_created_idx` shows no `BEGIN;` around the statement.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` drops the index concurrently.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/howto/writing-migrations/#non-atomic-migrations', 'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY'],
  operationTypes: ['AddIndexConcurrently', 'RemoveIndexConcurrently', 'RunSQL'],
  check(ctx) {
    if (!ctx.isAtomic) return;
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective) return;
      const operation = concurrentOperation(op);
      if (!operation) return;
      ctx.report({ messageId: op.type === 'RunSQL' ? 'postgresRefuses' : 'djangoRefuses', op, data: { operation } });
    });
  },
  cases: {
    bad: [
      {
        name: 'AddIndexConcurrently and CONCURRENTLY SQL in an atomic migration',
        code: `from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["created_at"], name="shop_order_created_idx"),
        ),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS shop_order_old_idx;",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
`,
        path: 'shop/migrations/0042_order_created_idx.py',
        expect: [
          { messageId: 'djangoRefuses', line: 9 },
          { messageId: 'postgresRefuses', line: 13 },
        ],
      },
    ],
    good: [
      { name: 'safe alternative: AddIndexConcurrently with atomic = False', code: migrationSource(nonAtomic), path: 'shop/migrations/0042_order_created_idx.py' },
      { name: 'safe alternative: raw SQL with atomic = False', code: migrationSource(rawSql), path: 'shop/migrations/0042_order_created_idx.py' },
      {
        name: 'REFRESH MATERIALIZED VIEW CONCURRENTLY is allowed in a transaction',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL(
            "REFRESH MATERIALIZED VIEW CONCURRENTLY shop_sales_summary;",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
`,
        path: 'shop/migrations/0042_refresh_sales_summary.py',
      },
    ],
  },
});
