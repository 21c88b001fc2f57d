import { defineRule } from './types.js';
import { excerpt, forwardStatements, isTransactionControl } from './_lib/sql.js';

export default defineRule({
  id: 'runsql-transaction-control',
  severity: 'error',
  databases: { postgresql: '*', sqlite: '*' },
  category: 'data-migration',
  risk: 'failure',
  summary: 'BEGIN/COMMIT/ROLLBACK in RunSQL inside an atomic migration breaks the migration transaction.',
  messages: {
    transactionControl:
      '`{{statement}}` inside an atomic migration: Django already runs this migration in a transaction, so this ends or nests it; the operations after it are no longer rolled back on failure and Django\'s own COMMIT fails or commits half a migration.',
  },
  why: [
    'On PostgreSQL and SQLite Django wraps each migration in one transaction. A `COMMIT` in RunSQL ends that',
    'transaction early: what ran before is committed even if a later operation fails, and the migration is',
    'not recorded as applied, so the next `migrate` re-runs the first half. A `BEGIN` nests (PostgreSQL only',
    'warns) and a `ROLLBACK` silently discards the earlier operations while Django believes they ran.',
    'Django\'s docs say to use these statements only in non-atomic migrations.',
  ].join('\n'),
  safeAlternative: [
    'Let Django own the transaction. If the SQL really needs its own transactions (a batched backfill, or',
    'statements that must commit between steps), make the migration non-atomic and keep it alone:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    atomic = False  # the SQL below manages its own transactions',
    '',
    '    dependencies = [("ledger", "0008_entry_amount_cents")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql="""',
    '                BEGIN;',
    '                UPDATE ledger_entry SET amount_cents = amount * 100 WHERE id < 1000000 AND amount_cents IS NULL;',
    '                COMMIT;',
    '                BEGIN;',
    '                UPDATE ledger_entry SET amount_cents = amount * 100 WHERE id >= 1000000 AND amount_cents IS NULL;',
    '                COMMIT;',
    '            """,',
    '            reverse_sql=migrations.RunSQL.noop,',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Otherwise just delete the BEGIN/COMMIT lines: in an atomic migration the statements already share',
    '   one transaction.',
    '2. In a non-atomic migration make each chunk idempotent (`WHERE … IS NULL`) so a rerun resumes.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#runsql'],
  operationTypes: ['RunSQL'],
  check(ctx) {
    if (!ctx.isAtomic) return;
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      for (const statement of forwardStatements(op)) {
        if (isTransactionControl(statement)) {
          ctx.report({ messageId: 'transactionControl', op, line: statement.line, data: { statement: excerpt(statement) } });
        }
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'explicit transaction in an atomic migration',
        path: 'ledger/migrations/0009_backfill_cents.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_entry_amount_cents")]

    operations = [
        migrations.RunSQL(
            sql="""
                BEGIN;
                UPDATE ledger_entry SET amount_cents = amount * 100 WHERE amount_cents IS NULL;
                COMMIT;
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
`,
        expect: [
          { messageId: 'transactionControl', line: 10 },
          { messageId: 'transactionControl', line: 12 },
        ],
      },
    ],
    good: [
      {
        name: 'non-atomic migration managing its own transactions',
        path: 'ledger/migrations/0009_backfill_cents.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("ledger", "0008_entry_amount_cents")]

    operations = [
        migrations.RunSQL(
            sql="""
                BEGIN;
                UPDATE ledger_entry SET amount_cents = amount * 100 WHERE amount_cents IS NULL;
                COMMIT;
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
`,
      },
      {
        name: 'BEGIN inside a PL/pgSQL body',
        path: 'ledger/migrations/0010_touch_trigger.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ledger", "0009_backfill_cents")]

    operations = [
        migrations.RunSQL(
            sql="""
                CREATE OR REPLACE FUNCTION ledger_touch() RETURNS trigger AS $$
                BEGIN
                    NEW.updated_at = now();
                    RETURN NEW;
                END;
                $$ LANGUAGE plpgsql;
            """,
            reverse_sql="DROP FUNCTION IF EXISTS ledger_touch();",
        ),
    ]
`,
      },
    ],
  },
});
