import { appFromTable, definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'rolling-deploy-not-null',
  title: 'Runtime: inserts fail on a NOT NULL column without a database default',
  summary: 'Code that does not know a new NOT NULL column inserts rows without it (typical right after a deploy).',
  patterns: [
    { regex: /null value in column "([^"]{1,128})" of relation "([^"]{1,128})" violates not-null constraint/, extract: (m) => ({ column: m[1], table: m[2], database: 'postgresql' }), confidence: 'high' },
    { regex: /null value in column "([^"]{1,128})" violates not-null constraint/, extract: (m) => ({ column: m[1], database: 'postgresql' }), confidence: 'high' },
    { regex: /\(1364, "Field '([^']{1,128})' doesn't have a default value"\)/, extract: (m) => ({ column: m[1], database: 'mysql' }), confidence: 'high' },
    { regex: /\(1048, "Column '([^']{1,128})' cannot be null"\)/, extract: (m) => ({ column: m[1], database: 'mysql' }), confidence: 'medium' },
    { regex: /NOT NULL constraint failed: (\w+)\.(\w+)/, extract: (m) => ({ table: m[1], column: m[2], database: 'sqlite' }), confidence: 'medium' },
  ],
  explain(x) {
    const table = orPlaceholder(x.table, 'table');
    const column = orPlaceholder(x.column, 'column');
    const app = orPlaceholder(x.app ?? appFromTable(x.table), 'app');
    const mysql = x.database === 'mysql' || x.database === 'mariadb';
    return {
      meaning: `Rows are inserted into ${table} without a value for ${column}, which is NOT NULL and has no database default. Django's default= lives in Python only, so code that predates the field (old pods during a rolling deploy, workers, raw SQL) sends NULL.`,
      likelyCauses: [
        'An AddField with null=False and a Python default ran while old code was still serving.',
        'A field was made NOT NULL while some writer still omits it.',
        'Raw SQL, another service or a bulk loader writes the table without the column.',
      ],
      steps: [
        step(
          'Hotfix: give the column a database default so old writers succeed (pick a value that is valid for your data):',
          mysql ? `mysql -e "ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT <value>;"` : `psql -c "ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT <value>;"`,
        ),
        step('Or make the column nullable again until every writer sets it:', mysql ? `mysql -e "ALTER TABLE ${table} MODIFY ${column} <type> NULL;"` : `psql -c "ALTER TABLE ${table} ALTER COLUMN ${column} DROP NOT NULL;"`),
        step('Finish the rollout so every process runs code that sets the field.'),
        step(`Make the database default permanent in the model (Django 5.0+: db_default=...), then generate the migration:`, `python manage.py makemigrations ${app}`),
      ],
      verify: ['The error stops in the logs; new rows have the expected value.', `\`python manage.py makemigrations --check --dry-run\` reports no drift after the hotfix is reflected in the model.`],
      prevent: ['Add new columns as nullable or with db_default (expand), switch code, then tighten (contract). `migrate-help check` flags NOT NULL AddField without a database default.'],
    };
  },
  cases: {
    match: [
      { name: 'PG 13+', text: 'django.db.utils.IntegrityError: null value in column "currency" of relation "shop_order" violates not-null constraint\nDETAIL:  Failing row contains (1, 10.00, null).', expect: { column: 'currency', table: 'shop_order', database: 'postgresql' } },
      { name: 'MySQL', text: `django.db.utils.OperationalError: (1364, "Field 'currency' doesn't have a default value")`, expect: { column: 'currency', database: 'mysql' } },
      { name: 'SQLite', text: 'django.db.utils.IntegrityError: NOT NULL constraint failed: shop_order.currency', expect: { table: 'shop_order', column: 'currency' } },
    ],
    nearMiss: ['column "email" of relation "accounts_user" contains null values', 'null value in column'],
  },
});
