import { defineRule } from './types.js';
import { STATE_FIRST_DROP_CASE } from './_lib/cases.js';
import { changesTablesOrColumns } from './_lib/statements.js';
import { dropsStateFirstRemoval } from './_lib/state-first.js';
import { excerpt, forwardStatements, statementTable } from './_lib/sql.js';

export default defineRule({
  id: 'runsql-ddl-without-state',
  severity: 'warning',
  databases: { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' },
  category: 'data-migration',
  risk: 'state-drift',
  summary: 'RunSQL changes tables or columns without telling the migration state (state_operations).',
  messages: {
    noState:
      '`{{statement}}` changes the schema of `{{table}}` but this RunSQL has no `state_operations`: Django\'s migration state does not see the change, so the next `makemigrations` tries to make it again (or undo it), and later migrations and RunPython see the old shape.',
  },
  why: [
    'Django decides what `makemigrations` must write by replaying the operations of every migration into a',
    'model state. Raw SQL is invisible to that replay. When RunSQL adds, drops, renames or retypes a column or',
    'table of a Django model without `state_operations` (or a SeparateDatabaseAndState around it), the state',
    'and the database disagree: the next `makemigrations` emits an operation that fails on the real database',
    '("column already exists"), and historical models in later data migrations have the wrong fields.',
  ].join('\n'),
  safeAlternative: [
    'Tell the state what the SQL does, with the same change expressed as Django operations:',
    '',
    '```python',
    'from django.db import migrations, models',
    '',
    '',
    'class Migration(migrations.Migration):',
    '    dependencies = [("catalog", "0021_product_sku")]',
    '',
    '    operations = [',
    '        migrations.RunSQL(',
    '            sql="ALTER TABLE catalog_product ADD COLUMN weight_grams integer NULL;",',
    '            reverse_sql="ALTER TABLE catalog_product DROP COLUMN weight_grams;",',
    '            state_operations=[',
    '                migrations.AddField(',
    '                    model_name="product",',
    '                    name="weight_grams",',
    '                    field=models.IntegerField(null=True),',
    '                ),',
    '            ],',
    '        ),',
    '    ]',
    '```',
    '',
    '1. Check the result: `python manage.py makemigrations --check --dry-run` must report no changes.',
    '2. For larger rewrites, wrap the SQL in `SeparateDatabaseAndState(database_operations=[...],',
    '   state_operations=[...])`.',
    '3. If the table is not a Django model (an audit or reporting table), suppress this finding on the',
    '   operation with `# migrate-help: ignore runsql-ddl-without-state`.',
  ].join('\n'),
  links: ['https://docs.djangoproject.com/en/stable/ref/migration-operations/#runsql'],
  operationTypes: ['RunSQL'],
  check(ctx) {
    ctx.each((op, _before, { dbEffective }) => {
      if (!dbEffective) return;
      // Inside SeparateDatabaseAndState the state side is declared next to it.
      if (op.path.includes('database_operations')) return;
      if (op.children?.['state_operations'] || op.args['state_operations']) return;
      // The drop that completes a state-first removal has nothing left to tell the state.
      const statement = forwardStatements(op).find((s) => changesTablesOrColumns(s) && !dropsStateFirstRemoval(ctx, s));
      if (statement) ctx.report({ messageId: 'noState', op, line: statement.line, data: { statement: excerpt(statement), table: statementTable(statement) ?? 'a table' } });
    });
  },
  cases: {
    bad: [
      {
        name: 'column added by SQL only',
        path: 'catalog/migrations/0022_product_weight.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0021_product_sku")]

    operations = [
        migrations.RunSQL(
            sql="ALTER TABLE catalog_product ADD COLUMN weight_grams integer NULL;",
            reverse_sql="ALTER TABLE catalog_product DROP COLUMN weight_grams;",
        ),
    ]
`,
        expect: [{ messageId: 'noState', line: 9 }],
      },
    ],
    good: [
      STATE_FIRST_DROP_CASE,
      {
        name: 'state_operations given',
        path: 'catalog/migrations/0022_product_weight.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0021_product_sku")]

    operations = [
        migrations.RunSQL(
            sql="ALTER TABLE catalog_product ADD COLUMN weight_grams integer NULL;",
            reverse_sql="ALTER TABLE catalog_product DROP COLUMN weight_grams;",
            state_operations=[
                migrations.AddField(model_name="product", name="weight_grams", field=models.IntegerField(null=True)),
            ],
        ),
    ]
`,
      },
      {
        name: 'inside SeparateDatabaseAndState',
        path: 'catalog/migrations/0022_product_weight.py',
        code: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0021_product_sku")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE catalog_product ADD COLUMN weight_grams integer NULL;",
                    "ALTER TABLE catalog_product DROP COLUMN weight_grams;",
                ),
            ],
            state_operations=[
                migrations.AddField(model_name="product", name="weight_grams", field=models.IntegerField(null=True)),
            ],
        ),
    ]
`,
      },
      {
        name: 'index and data statements only',
        path: 'catalog/migrations/0023_product_trgm.py',
        code: `from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0022_product_weight")]

    operations = [
        migrations.RunSQL(
            sql=[
                "UPDATE catalog_product SET weight_grams = 0 WHERE weight_grams IS NULL;",
                "ALTER TABLE catalog_product ADD CONSTRAINT weight_positive CHECK (weight_grams >= 0) NOT VALID;",
            ],
            reverse_sql=["ALTER TABLE catalog_product DROP CONSTRAINT weight_positive;"],
        ),
    ]
`,
      },
    ],
  },
});
