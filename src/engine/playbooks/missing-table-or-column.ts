import { appFromTable, definePlaybook, orPlaceholder, step, unqualified } from './types.js';

function describeCommand(database: string | undefined, table: string): string {
  if (database === 'mysql' || database === 'mariadb') return `DESCRIBE ${table};`;
  if (database === 'sqlite') return `.schema ${table}`;
  if (database === 'oracle') return `DESCRIBE ${table.toUpperCase()}`;
  return `\\d ${table}`;
}

export default definePlaybook({
  id: 'missing-table-or-column',
  title: 'Table or column does not exist',
  summary: 'The code (or a migration) uses a table or column the database does not have.',
  patterns: [
    { regex: /column "([^"]{1,128})" of relation "([^"]{1,128})" does not exist/, extract: (m) => ({ column: m[1], table: m[2], database: 'postgresql' }), confidence: 'high' },
    { regex: /column (\w+)\.(\w+) does not exist/, extract: (m) => ({ table: m[1], column: m[2], database: 'postgresql' }), confidence: 'high' },
    { regex: /column "([^"]{1,128})" does not exist/, extract: (m) => ({ column: m[1], database: 'postgresql' }), confidence: 'medium' },
    { regex: /relation "([^"]{1,128})" does not exist/, extract: (m) => ({ table: unqualified(m[1] ?? ''), database: 'postgresql' }), confidence: 'high' },
    { regex: /no such table: ([\w.]+)/, extract: (m) => ({ table: unqualified(m[1] ?? ''), database: 'sqlite' }), confidence: 'high' },
    {
      regex: /no such column: ([\w.]+)/,
      extract: (m) => {
        const name = m[1] ?? '';
        const dot = name.indexOf('.');
        return dot === -1 ? { column: name, database: 'sqlite' } : { table: name.slice(0, dot), column: name.slice(dot + 1), database: 'sqlite' };
      },
      confidence: 'high',
    },
    { regex: /\(1146, "Table '([^']{1,200})' doesn't exist"\)/, extract: (m) => ({ table: unqualified(m[1] ?? ''), database: 'mysql' }), confidence: 'high' },
    {
      regex: /\(1054, "Unknown column '([^']{1,200})' in '([^']{1,200})'"\)/,
      extract: (m) => {
        const name = m[1] ?? '';
        const dot = name.lastIndexOf('.');
        return dot === -1 ? { column: name, database: 'mysql' } : { table: unqualified(name.slice(0, dot)), column: name.slice(dot + 1), database: 'mysql' };
      },
      confidence: 'high',
    },
    { regex: /ORA-00942: table or view does not exist/, extract: () => ({ database: 'oracle' }), confidence: 'medium' },
    { regex: /ORA-00904: "([^"]{1,128})": invalid identifier/, extract: (m) => ({ column: (m[1] ?? '').toLowerCase(), database: 'oracle' }), confidence: 'medium' },
  ],
  explain(x) {
    const what = x.column ? `column ${x.table ? `${x.table}.` : ''}${x.column}` : `table ${orPlaceholder(x.table, 'table')}`;
    const tableApp = appFromTable(x.table);
    const guessed = tableApp ?? x.app;
    const app = orPlaceholder(guessed, 'app');
    const appNote = tableApp ? ` (${tableApp} is a guess from the table name: Django names tables <app_label>_<model>)` : '';
    const failing = x.app && x.migration ? `${x.app}.${x.migration}` : undefined;
    return {
      meaning: `The database has no ${what}, but the code or a migration expects it. Either a migration that creates it has not run on this database, or one that removes or renames it ran while code still uses it.`,
      likelyCauses: [
        'The migration that creates it was not applied on this database (showmigrations shows [ ]).',
        'The new code was deployed before its migration ran.',
        'A RemoveField/RenameField/DeleteModel ran while the old code (still using the name) was serving.',
        'The migration was applied with --fake, or RunSQL/SeparateDatabaseAndState left Django state and the real schema out of step.',
        'A database router sends this model to another database, or the migration runs on a different alias.',
        'During migrate: a migration uses a table of another app without a dependency on the migration that creates it.',
      ],
      steps: [
        step(`Check what this database has applied${appNote}:`, `python manage.py showmigrations ${app}`),
        step('If migrations show [ ], apply them (code that needs them should wait):', `python manage.py migrate ${app}`),
        ...(failing
          ? [step(`The error came while applying ${failing}: if it uses ${what} from another app, add a dependency on the migration that creates it, then rerun:`, `python manage.py migrate ${x.app}`)]
          : []),
        step(`If they show [X] but the object is missing, print the SQL the migration should have run and compare with the real schema:`, `python manage.py sqlmigrate ${app} ${orPlaceholder(tableApp ? undefined : x.migration, 'migration')}`),
        step(`Inspect the real table in the database shell (${describeCommand(x.database, orPlaceholder(x.table, 'table'))}):`, 'python manage.py dbshell'),
        step('If old code still uses a column a migration removed, roll the code forward (or restore the column) and split such changes into expand/contract releases: stop using the column in one release, drop it in the next.'),
      ],
      verify: [`\`python manage.py showmigrations ${app}\` shows every migration as [X].`, 'The failing request or command succeeds.'],
      prevent: [
        'Run migrations before rolling out code that needs them, and drop columns only after the code that reads them is gone.',
        'Run `python manage.py migrate --check` as a deploy gate so code never starts on an unmigrated database.',
      ],
    };
  },
  cases: {
    match: [
      { name: 'PG missing table', text: 'django.db.utils.ProgrammingError: relation "shop_order" does not exist\nLINE 1: SELECT "shop_order"."id" FROM "shop_order"', expect: { table: 'shop_order', database: 'postgresql' } },
      { name: 'PG qualified column', text: 'psycopg2.errors.UndefinedColumn: column shop_order.note does not exist', expect: { table: 'shop_order', column: 'note', database: 'postgresql' } },
      { name: 'PG column of relation', text: 'ProgrammingError: column "note" of relation "shop_order" does not exist', expect: { table: 'shop_order', column: 'note' } },
      { name: 'SQLite table', text: 'django.db.utils.OperationalError: no such table: shop_order', expect: { table: 'shop_order', database: 'sqlite' } },
      { name: 'SQLite column', text: 'django.db.utils.OperationalError: no such column: shop_order.note', expect: { table: 'shop_order', column: 'note', database: 'sqlite' } },
      { name: 'MySQL table', text: `django.db.utils.ProgrammingError: (1146, "Table 'prod.shop_order' doesn't exist")`, expect: { table: 'shop_order', database: 'mysql' } },
      { name: 'MySQL column', text: `django.db.utils.OperationalError: (1054, "Unknown column 'shop_order.note' in 'field list'")`, expect: { table: 'shop_order', column: 'note', database: 'mysql' } },
      { name: 'after Applying line', text: '  Applying shop.0042_backfill...Traceback (most recent call last):\ndjango.db.utils.ProgrammingError: relation "billing_invoice" does not exist', expect: { table: 'billing_invoice', app: 'shop', migration: '0042_backfill' } },
    ],
    nearMiss: ['relation "shop_order" already exists', 'the relation between order and customer does not exist yet', 'no such tablespace'],
  },
});
