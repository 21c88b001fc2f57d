import { defineRule } from './types.js';
import { concurrentOperation, isDatabaseNoop, isRerunnable } from './_lib/effects.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { forwardStatementCode } from './_lib/statements.js';

const schemaChange: MigrationFileSpec = {
  imports: ['from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: ['migrations.AddField(', '    model_name="order",', '    name="channel",', '    field=models.CharField(max_length=32, null=True),', '),'],
};

const indexAlone: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.operations import AddIndexConcurrently', 'from django.db import migrations, models'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0042_order_channel',
  operations: ['AddIndexConcurrently(', '    model_name="order",', '    index=models.Index(fields=["channel"], name="shop_order_channel_idx"),', '),'],
};

const secondIndex: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.operations import AddIndexConcurrently', 'from django.db import migrations, models'],
  nonAtomicBecause: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  dependsOn: '0043_order_channel_idx',
  operations: ['AddIndexConcurrently(', '    model_name="order",', '    index=models.Index(fields=["created_at"], name="shop_order_created_idx"),', '),'],
};

export default defineRule({
  id: 'concurrent-op-not-isolated',
  severity: 'warning',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'failure',
  summary: 'A non-atomic migration that mixes a concurrent index operation with other statements can fail half-applied and not be re-runnable.',
  messages: {
    notIsolated:
      '{{operation}} shares a non-atomic migration with {{others}}: each commits on its own, so a failure leaves the migration half-applied (often with an INVALID index) and re-running it fails on what already exists.',
  },
  why: [
    'A migration with `atomic = False` has no transaction around it: every operation commits as soon as it finishes.',
    'A concurrent index build is the step most likely to fail (a deadlock, a duplicate for a unique index, a',
    'timeout, a cancelled deploy), and when it fails:',
    '',
    '- the operations before it are already committed, but Django does not record the migration as applied;',
    '- a failed `CREATE INDEX CONCURRENTLY` leaves an INVALID index behind that still slows down writes;',
    '- running `migrate` again replays the earlier operations, which now fail (`column already exists`), and',
    '  `AddIndexConcurrently` has no `IF NOT EXISTS`, so it fails on the INVALID leftover too.',
    '',
    'Someone then has to repair the schema and the `django_migrations` table by hand, usually mid-deploy.',
  ].join('\n'),
  safeAlternative: [
    'Give each concurrent operation a migration of its own and keep all other changes in ordinary atomic',
    'migrations:',
    '',
    '1. The schema change, atomic (the default):',
    '',
    migrationFile('shop/migrations/0042_order_channel.py', schemaChange),
    '',
    '2. One concurrent index per non-atomic migration:',
    '',
    migrationFile('shop/migrations/0043_order_channel_idx.py', indexAlone),
    '',
    migrationFile('shop/migrations/0044_order_created_idx.py', secondIndex),
    '',
    'If a concurrent step fails, only that step is left to retry: drop the INVALID index',
    '(`SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;` then',
    '`DROP INDEX CONCURRENTLY IF EXISTS shop_order_channel_idx;`) and run `migrate` again. With raw SQL, guard every',
    'statement (`CREATE INDEX CONCURRENTLY IF NOT EXISTS`, `DROP … IF EXISTS`) so a retry does not fail — but note',
    'that `IF NOT EXISTS` also skips an INVALID leftover, so check `pg_index` after any failed run.',
    '',
    'Verify: `python manage.py showmigrations shop` marks every step `[X]`, and `pg_index` has no invalid index.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` reverses the three migrations one at a time.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/howto/writing-migrations/#non-atomic-migrations'],
  operationTypes: ['AddIndexConcurrently', 'RemoveIndexConcurrently', 'RunSQL'],
  check(ctx) {
    if (ctx.isAtomic) return;
    let statements = 0;
    let rerunnable = true;
    const concurrent: Array<{ visit: (typeof ctx.visits)[number]; operation: string; statements: number }> = [];
    for (const visit of ctx.visits) {
      if (!visit.dbEffective || isDatabaseNoop(visit.op)) continue;
      const count = visit.op.type === 'RunSQL' ? forwardStatementCode(visit.op).length : 1;
      statements += count;
      rerunnable &&= isRerunnable(visit.op);
      const operation = concurrentOperation(visit.op);
      if (operation) concurrent.push({ visit, operation, statements: count });
    }
    // Every statement guarded (IF [NOT] EXISTS): a failed run can simply be run again.
    if (rerunnable) return;
    for (const { visit, operation, statements: own } of concurrent) {
      // A RunSQL with several statements counts its own extra statements too.
      const others = statements - 1;
      if (others === 0 && own <= 1) continue;
      ctx.report({ messageId: 'notIsolated', op: visit.op, data: { operation, others: `${others} other statement${others === 1 ? '' : 's'}` } });
    }
  },
  cases: {
    bad: [
      {
        name: 'AddField and a concurrent index in one non-atomic migration',
        code: `from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="channel",
            field=models.CharField(max_length=32, null=True),
        ),
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["channel"], name="shop_order_channel_idx"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_channel.py',
        expect: [{ messageId: 'notIsolated', line: 15 }],
      },
      {
        name: 'two concurrent statements in one RunSQL',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL(
            sql=[
                "CREATE INDEX CONCURRENTLY shop_order_channel_idx ON shop_order (channel);",
                "CREATE INDEX CONCURRENTLY shop_order_created_idx ON shop_order (created_at);",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
`,
        path: 'shop/migrations/0042_order_indexes.py',
        expect: [{ messageId: 'notIsolated', line: 9 }],
      },
    ],
    good: [
      { name: 'safe alternative: one concurrent index alone', code: migrationSource(indexAlone), path: 'shop/migrations/0043_order_channel_idx.py' },
      {
        name: 'concurrent SQL alone inside SeparateDatabaseAndState with a state-only operation',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS shop_order_channel_idx ON shop_order (channel);",
                    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_order_channel_idx;",
                ),
            ],
            state_operations=[
                migrations.AddIndex(
                    model_name="order",
                    index=models.Index(fields=["channel"], name="shop_order_channel_idx"),
                ),
            ],
        ),
    ]
`,
        path: 'shop/migrations/0042_order_channel_idx.py',
      },
      {
        name: 'every statement guarded, so a failed run can be re-run',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL(
            sql="CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS shop_order_number_uniq ON shop_order (number);",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_order_number_uniq;",
        ),
        migrations.RunSQL(
            sql="""
            DO $do$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'shop_order_number_uniq') THEN
                    ALTER TABLE shop_order ADD CONSTRAINT shop_order_number_uniq UNIQUE USING INDEX shop_order_number_uniq;
                END IF;
            END
            $do$;
            """,
            reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT IF EXISTS shop_order_number_uniq;",
        ),
    ]
`,
        path: 'shop/migrations/0042_order_number_unique.py',
      },
    ],
  },
});
