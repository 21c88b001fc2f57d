import { appFromTable, definePlaybook, orPlaceholder, step, unqualified } from './types.js';

export default definePlaybook({
  id: 'already-exists',
  title: 'Table, column or index already exists',
  summary: 'A migration tries to create something the database already has.',
  patterns: [
    { regex: /column "([^"]{1,128})" of relation "([^"]{1,128})" already exists/, extract: (m) => ({ column: m[1], table: m[2], database: 'postgresql' }), confidence: 'high' },
    { regex: /relation "([^"]{1,128})" already exists/, extract: (m) => ({ table: unqualified(m[1] ?? ''), database: 'postgresql' }), confidence: 'high' },
    { regex: /\(1050, "Table '([^']{1,200})' already exists"\)/, extract: (m) => ({ table: unqualified(m[1] ?? ''), database: 'mysql' }), confidence: 'high' },
    { regex: /\(1060, "Duplicate column name '([^']{1,200})'"\)/, extract: (m) => ({ column: m[1], database: 'mysql' }), confidence: 'high' },
    { regex: /\(1061, "Duplicate key name '([^']{1,200})'"\)/, extract: (m) => ({ index: m[1], database: 'mysql' }), confidence: 'high' },
    { regex: /table "?(\w+)"? already exists/, extract: (m) => ({ table: m[1], database: 'sqlite' }), confidence: 'high' },
    { regex: /duplicate column name: (\w+)/, extract: (m) => ({ column: m[1], database: 'sqlite' }), confidence: 'high' },
    { regex: /ORA-00955: name is already used by an existing object/, extract: () => ({ database: 'oracle' }), confidence: 'medium' },
  ],
  explain(x) {
    const what = x.column ? `column ${x.table ? `${x.table}.` : ''}${x.column}` : x.index ? `index ${x.index}` : `table ${orPlaceholder(x.table, 'table')}`;
    const app = orPlaceholder(x.app ?? appFromTable(x.table), 'app');
    const migration = orPlaceholder(x.migration, 'migration');
    return {
      meaning: `The migration wants to create ${what}, but the database already has it. The schema and Django's migration history disagree.`,
      likelyCauses: [
        'The object was created outside migrations (by hand, by a restore, or by syncdb-era code).',
        'Migration files were deleted and regenerated, so a new migration recreates existing tables.',
        'On MySQL/Oracle a migration failed half way: DDL is not transactional there, so the first statements stayed applied.',
        'Two migrations (for example on two branches) create the same object.',
      ],
      steps: [
        step('Compare what the migration would run with what exists:', `python manage.py sqlmigrate ${app} ${migration}`),
        step('If the existing schema matches the migration exactly, record the migration as applied without running it:', `python manage.py migrate ${app} ${migration} --fake`),
        step("For an app's initial migration, Django can check table names and fake it for you:", `python manage.py migrate ${app} --fake-initial`),
        step('If the schema only partly matches (half-applied MySQL migration), apply the missing statements by hand from sqlmigrate output, then fake the migration. Take a backup first.'),
        step(`If the object is a leftover nobody uses, drop or rename it in the database shell and rerun the migration:`, 'python manage.py dbshell'),
      ],
      verify: [`\`python manage.py migrate ${app}\` completes.`, `\`python manage.py showmigrations ${app}\` shows [X] for ${migration}.`],
      prevent: ['Never regenerate migrations that any database has applied.', 'On MySQL keep each migration small (one DDL per migration) so a failure is easy to unpick.'],
    };
  },
  cases: {
    match: [
      { name: 'PG table', text: 'django.db.utils.ProgrammingError: relation "shop_order" already exists', expect: { table: 'shop_order', database: 'postgresql' } },
      { name: 'PG column', text: 'psycopg.errors.DuplicateColumn: column "note" of relation "shop_order" already exists', expect: { table: 'shop_order', column: 'note' } },
      { name: 'MySQL table', text: `django.db.utils.OperationalError: (1050, "Table 'shop_order' already exists")`, expect: { table: 'shop_order', database: 'mysql' } },
      { name: 'MySQL column', text: `(1060, "Duplicate column name 'note'")`, expect: { column: 'note', database: 'mysql' } },
      { name: 'SQLite', text: 'django.db.utils.OperationalError: table "shop_order" already exists', expect: { table: 'shop_order', database: 'sqlite' } },
      { name: 'with Applying', text: '  Applying shop.0001_initial...\nTraceback (most recent call last):\ndjango.db.utils.ProgrammingError: relation "shop_order" already exists', expect: { app: 'shop', migration: '0001_initial' } },
    ],
    nearMiss: ['relation "shop_order" does not exist', 'the table already exists in staging, right?'],
  },
});
