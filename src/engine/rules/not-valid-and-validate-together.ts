import { defineRule } from './types.js';
import { asString } from './_lib/values.js';
import { constraintInfo } from './_lib/constraints.js';
import type { MigrationFileSpec } from './_lib/recipes.js';
import { migrationFile, migrationSource } from './_lib/recipes.js';
import { forwardStatementCode } from './_lib/statements.js';

const ADD_NOT_VALID = /\bADD\s+CONSTRAINT\s+("?)([\w$]+)\1[\s\S]*\bNOT\s+VALID\b/i;
const VALIDATE = /\bVALIDATE\s+CONSTRAINT\s+("?)([\w$]+)\1/i;

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
  id: 'not-valid-and-validate-together',
  severity: 'warning',
  databases: { postgresql: '*' },
  category: 'locking',
  risk: 'table-lock',
  summary: 'Adding a constraint NOT VALID and validating it in the same migration throws away the benefit of NOT VALID.',
  messages: {
    sameTransaction:
      '{{validate}} validates `{{name}}` in the same transaction that added it NOT VALID: the ACCESS EXCLUSIVE lock from the add is still held, so the validation scan blocks reads and writes — no better than a plain AddConstraint.',
    sameNonAtomicMigration:
      '{{validate}} validates `{{name}}` in the same non-atomic migration that added it NOT VALID: if validation fails, the constraint stays while the migration is not recorded as applied, and re-running fails at the add.',
  },
  why: [
    '`NOT VALID` splits adding a constraint into two cheap steps: the add takes a brief ACCESS EXCLUSIVE lock without',
    'scanning, and `VALIDATE CONSTRAINT` scans later under SHARE UPDATE EXCLUSIVE, which lets reads and writes',
    'continue. That only works when the two run in **different transactions**.',
    '',
    'In one atomic migration the add\'s ACCESS EXCLUSIVE lock is held until commit, so the validation scan runs with',
    'the table fully locked — exactly what a plain `AddConstraint` does. In one non-atomic migration a failed',
    'validation (a violating row) leaves the NOT VALID constraint in place while Django records nothing, so the next',
    '`migrate` fails on `constraint … already exists`. Django\'s documentation asks for separate migrations.',
  ].join('\n'),
  safeAlternative: [
    'Put the two steps in two migrations, deployed one after the other:',
    '',
    '1. Add the constraint without checking existing rows:',
    '',
    migrationFile('shop/migrations/0042_order_total_check.py', addNotValid),
    '',
    '2. Fix violating rows (`SELECT id FROM shop_order WHERE NOT (total >= 0);`), then validate in a separate',
    '   migration:',
    '',
    migrationFile('shop/migrations/0043_validate_order_total_check.py', validate),
    '',
    'With RunSQL, the same split applies: `ALTER TABLE … ADD CONSTRAINT … NOT VALID;` in one migration,',
    '`ALTER TABLE … VALIDATE CONSTRAINT …;` in the next.',
    '',
    'Verify: `SELECT convalidated FROM pg_constraint WHERE conname = \'shop_order_total_gte_0\';` returns `t` after step 2.',
    '',
    'Rollback: `python manage.py migrate shop 0041_previous` drops the constraint.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/contrib/postgres/operations/#adding-constraints-without-enforcing-validation'],
  operationTypes: ['AddConstraintNotValid', 'ValidateConstraint', 'RunSQL'],
  check(ctx) {
    const addedNotValid = new Set<string>();
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective) return;
      const validated: string[] = [];
      if (op.type === 'AddConstraintNotValid') {
        const info = constraintInfo(op.args['constraint']);
        if (info) addedNotValid.add(info.name.toLowerCase());
      } else if (op.type === 'ValidateConstraint') {
        const name = asString(op.args['name']);
        if (name) validated.push(name);
      } else if (op.type === 'RunSQL') {
        for (const statement of forwardStatementCode(op)) {
          const added = ADD_NOT_VALID.exec(statement)?.[2];
          if (added) addedNotValid.add(added.toLowerCase());
          const checked = VALIDATE.exec(statement)?.[2];
          if (checked) validated.push(checked);
        }
      }
      for (const name of validated) {
        if (!addedNotValid.has(name.toLowerCase())) continue;
        const validate = op.type === 'RunSQL' ? 'RunSQL' : 'ValidateConstraint';
        ctx.report({ messageId: ctx.isAtomic ? 'sameTransaction' : 'sameNonAtomicMigration', op, data: { validate, name } });
      }
    });
  },
  cases: {
    bad: [
      {
        name: 'AddConstraintNotValid and ValidateConstraint in one migration',
        code: `from django.contrib.postgres.operations import AddConstraintNotValid, ValidateConstraint
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0041_previous")]

    operations = [
        AddConstraintNotValid(
            model_name="order",
            constraint=models.CheckConstraint(condition=models.Q(total__gte=0), name="shop_order_total_gte_0"),
        ),
        ValidateConstraint(
            model_name="order",
            name="shop_order_total_gte_0",
        ),
    ]
`,
        path: 'shop/migrations/0042_order_total_check.py',
        expect: [{ messageId: 'sameTransaction', line: 13 }],
      },
      {
        name: 'RunSQL doing both in a non-atomic migration',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0041_previous")]

    operations = [
        migrations.RunSQL(
            sql=[
                "ALTER TABLE shop_order ADD CONSTRAINT shop_order_customer_fk FOREIGN KEY (customer_id) REFERENCES shop_customer (id) NOT VALID;",
                "ALTER TABLE shop_order VALIDATE CONSTRAINT shop_order_customer_fk;",
            ],
            reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT shop_order_customer_fk;",
        ),
    ]
`,
        path: 'shop/migrations/0042_order_customer_fk.py',
        expect: [{ messageId: 'sameNonAtomicMigration', line: 9 }],
      },
    ],
    good: [
      { name: 'safe alternative step 1: NOT VALID alone', code: migrationSource(addNotValid), path: 'shop/migrations/0042_order_total_check.py' },
      { name: 'safe alternative step 2: validation alone', code: migrationSource(validate), path: 'shop/migrations/0043_validate_order_total_check.py' },
    ],
  },
});
