import { defineRule } from './types.js';

export default defineRule({
  id: 'runsql-irreversible',
  severity: 'info',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'data-migration',
  risk: 'rollback',
  summary: 'RunSQL without reverse_sql makes the whole migration impossible to roll back.',
  messages: {
    noReverse:
      'RunSQL has no `reverse_sql`: `migrate` cannot go back past this migration (IrreversibleError), so a rollback of this deploy needs `--fake` and hand-written SQL.',
  },
  why: [
    'Django only unapplies a migration when every operation can be reversed. RunSQL is reversible only when',
    '`reverse_sql` is given; without it `migrate <app> <earlier>` stops with `IrreversibleError`, for this',
    'migration and for every later one of the app. Finding that out during an incident rollback is the worst',
    'time: the only way out is `migrate --fake` and undoing the SQL by hand.',
  ].join('\n'),
  safeAlternative: [
    'Write the inverse SQL next to the forward SQL, or `migrations.RunSQL.noop` when there is nothing to undo:',
    '',
    '```python',
    'from django.db import migrations',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("billing", "0011_invoice_total")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql="CREATE VIEW billing_open_invoice AS SELECT * FROM billing_invoice WHERE paid_at IS NULL;",',
    '            reverse_sql="DROP VIEW IF EXISTS billing_open_invoice;",',
    '        ),',
    '        migrations.RunSQL(',
    '            sql="UPDATE billing_invoice SET currency = \'EUR\' WHERE currency = \'\';",',
    '            reverse_sql=migrations.RunSQL.noop,  # the empty value is not worth restoring',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Make the reverse idempotent (`IF EXISTS`, `IF NOT EXISTS`) so a half-failed rollback can be re-run.',
    '2. Test the round trip: `python manage.py migrate billing 0012` then `python manage.py migrate billing 0011`.',
    '3. If the forward SQL destroys data, copy what the reverse needs first (a backup table), or document',
    '   in the migration that a rollback needs a restore.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#runsql'],
  operationTypes: ['RunSQL'],
  check(ctx) {
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      if (op.reverseSql === null) ctx.report({ messageId: 'noReverse', op });
    });
  },
  cases: {
    bad: [
      {
        name: 'forward SQL only',
        path: 'billing/migrations/0012_open_invoice_view.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0011_invoice_total")]

    operations = [
        migrations.RunSQL(
            "CREATE VIEW billing_open_invoice AS SELECT * FROM billing_invoice WHERE paid_at IS NULL;"
        ),
    ]
`,
        expect: [{ messageId: 'noReverse', line: 8 }],
      },
      {
        name: 'reverse_sql=None inside SeparateDatabaseAndState',
        path: 'billing/migrations/0012_open_invoice_view.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0011_invoice_total")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL("ALTER TABLE billing_invoice RENAME TO billing_bill;", reverse_sql=None),
            ],
            state_operations=[
                migrations.AlterModelTable(name="invoice", table="billing_bill"),
            ],
        ),
    ]
`,
        expect: [{ messageId: 'noReverse', line: 10 }],
      },
    ],
    good: [
      {
        name: 'reverse SQL given',
        path: 'billing/migrations/0012_open_invoice_view.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0011_invoice_total")]

    operations = [
        migrations.RunSQL(
            sql="CREATE VIEW billing_open_invoice AS SELECT * FROM billing_invoice WHERE paid_at IS NULL;",
            reverse_sql="DROP VIEW IF EXISTS billing_open_invoice;",
        ),
    ]
`,
      },
      {
        name: 'noop reverse',
        path: 'billing/migrations/0012_fix_currency.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0011_invoice_total")]

    operations = [
        migrations.RunSQL("UPDATE billing_invoice SET currency = 'EUR' WHERE currency = '';", migrations.RunSQL.noop),
    ]
`,
      },
    ],
  },
});
