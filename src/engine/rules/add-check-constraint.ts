import { defineRule } from './types.js';
import { constraintInfo } from './_lib/constraints.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { modelLabel, touchesExistingTable } from './_lib/tables.js';

const addNotValid: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.operations import AddConstraintNotValid', 'from django.db import migrations, models'],
  dependsOn: '0041_previous',
  operations: [
    'AddConstraintNotValid(',
    '    model_name="order",',
    '    constraint=models.CheckConstraint(condition=models.Q(total__gte=0), name="shop_order_total_gte_0"),',
    '),',
  ],
};

const validate: MigrationFileSpec = {
  imports: ['from django.contrib.postgres.operations import ValidateConstraint', 'from django.db import migrations'],
  dependsOn: '0042_order_total_check',
  operations: ['ValidateConstraint(', '    model_name="order",', '    name="shop_order_total_gte_0",', '),'],
};

export default defineRule({
  id: 'add-check-constraint',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '>=8.0.16' },
  category: 'locking',
  risk: 'table-lock',
  summary: 'AddConstraint with a CheckConstraint checks every existing row while the table is locked.',
  messages: {
    scanUnderExclusiveLock:
      'AddConstraint `{{name}}` on `{{model}}` adds a CHECK that PostgreSQL verifies by scanning every row under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole scan.',
    rebuildsTable:
      'AddConstraint `{{name}}` on `{{model}}` adds a CHECK: MySQL verifies every existing row by copying the table, blocking writes for the whole copy, and has no online way to add it.',
  },
  why: [
    '`AddConstraint(CheckConstraint(...))` runs `ALTER TABLE … ADD CONSTRAINT … CHECK (…)`.',
    '',
    '- **PostgreSQL** takes ACCESS EXCLUSIVE (no reads, no writes) and scans the whole table to prove every row',
    '  passes; the lock lasts until the migration transaction commits. If one row fails, the whole migration rolls',
    '  back after the scan.',
    '- **MySQL 8.0.16+** enforces CHECK constraints and adds one by copying the table, with concurrent writes blocked.',
    '  There is no NOT VALID shortcut.',
    '',
    'Old code still running during the deploy may also write rows the new constraint rejects.',
  ].join('\n'),
  safeAlternative: [
    'PostgreSQL (Django 4.0+): add the constraint `NOT VALID` — enforced for new and updated rows, no scan — and',
    'validate the existing rows in a later migration, which scans under SHARE UPDATE EXCLUSIVE (reads and writes',
    'continue):',
    '',
    '1. Add it without checking existing rows (brief ACCESS EXCLUSIVE, no scan):',
    '',
    migrationFile('shop/migrations/0042_order_total_check.py', addNotValid),
    '',
    '2. Fix rows that violate it (`SELECT id FROM shop_order WHERE NOT (total >= 0);`), then validate in its own',
    '   migration:',
    '',
    migrationFile('shop/migrations/0043_validate_order_total_check.py', validate),
    '',
    'Keep the constraint in `Order.Meta.constraints` as usual; `AddConstraintNotValid` records it in Django\'s state.',
    'On Django < 5.1 write `check=` instead of `condition=`. Run step 1 with a short `lock_timeout` and retry on',
    'timeout.',
    '',
    'Verify: `SELECT convalidated FROM pg_constraint WHERE conname = \'shop_order_total_gte_0\';` returns `t`.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` drops the constraint (validation reverses as a no-op).',
    '',
    'MySQL: there is no online path. Add it in a quiet period, or with an online schema change tool (gh-ost,',
    'pt-online-schema-change) followed by a state-only `SeparateDatabaseAndState`, or enforce the rule in code.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/contrib/postgres/operations/#adding-constraints-without-enforcing-validation', 'https://www.postgresql.org/docs/current/sql-altertable.html'],
  operationTypes: ['AddConstraint'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!touchesExistingTable(ctx, visit)) return;
      const info = constraintInfo(op.args['constraint']);
      if (info?.kind !== 'check') return;
      ctx.report({ messageId: ctx.settings.database === 'postgresql' ? 'scanUnderExclusiveLock' : 'rebuildsTable', op, arg: 'constraint', data: { name: info.name, model: modelLabel(visit) } });
    });
  },
  cases: {
    bad: [
      {
        name: 'CheckConstraint on an existing table',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(condition=models.Q(total__gte=0), name="shop_order_total_gte_0"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_total_check.py',
        expect: [{ messageId: 'scanUnderExclusiveLock', line: 10 }],
      },
      {
        name: 'CheckConstraint on MySQL 8.0',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(check=models.Q(total__gte=0), name="shop_order_total_gte_0"),
        ),
    ]
`,
        path: 'shop/migrations/0042_order_total_check.py',
        settings: { database: 'mysql', databaseVersion: '8.0.36' },
        expect: [{ messageId: 'rebuildsTable', line: 10 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: AddConstraintNotValid', code: migrationSource(addNotValid), path: 'shop/migrations/0042_order_total_check.py' },
      { name: 'safe alternative step 2: ValidateConstraint on its own', code: migrationSource(validate), path: 'shop/migrations/0043_validate_order_total_check.py' },
      {
        name: 'check constraint on a table created in the same migration',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False)), ("total", models.IntegerField())],
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(condition=models.Q(total__gte=0), name="shop_order_total_gte_0"),
        ),
    ]
`,
        path: 'shop/migrations/0001_initial.py',
      },
    ],
  },
});
