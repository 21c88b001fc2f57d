import { appFromTable, definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'null-values-block-not-null',
  title: 'Column contains NULL values: NOT NULL cannot be added',
  summary: 'A migration makes a column NOT NULL while existing rows still hold NULL.',
  patterns: [
    { regex: /column "([^"]{1,128})" of relation "([^"]{1,128})" contains null values/, extract: (m) => ({ column: m[1], table: m[2], database: 'postgresql' }), confidence: 'high' },
    { regex: /column "([^"]{1,128})" contains null values/, extract: (m) => ({ column: m[1], database: 'postgresql' }), confidence: 'high' },
    { regex: /\(1138, "Invalid use of NULL value"\)/, extract: () => ({ database: 'mysql' }), confidence: 'medium' },
  ],
  explain(x) {
    const column = orPlaceholder(x.column, 'column');
    const table = orPlaceholder(x.table, 'table');
    const app = orPlaceholder(x.app ?? appFromTable(x.table), 'app');
    return {
      meaning: `The migration sets ${table}.${column} NOT NULL, but some rows still hold NULL, so the database rejects the change and the migration rolls back.`,
      likelyCauses: ['null=True was removed and makemigrations was told "Ignore for now" without a backfill.', 'A backfill ran but new NULL rows arrived from code still writing NULL.'],
      steps: [
        step('Count the offending rows:', `psql -c "SELECT count(*) FROM ${table} WHERE ${column} IS NULL;"`),
        step(`Add a data migration before the NOT NULL change that fills the NULLs (batched on big tables):`, `python manage.py makemigrations ${app} --empty --name backfill_${x.column ?? 'column'}`),
        step('Make sure the running code no longer writes NULL (deploy that first), then rerun:', `python manage.py migrate ${app}`),
        step('On a large PostgreSQL table, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL, so the long scan does not hold an exclusive lock.'),
      ],
      verify: [`The count of NULL rows is 0 and \`python manage.py migrate ${app}\` completes.`],
      prevent: ['Backfill in its own migration and deploy before tightening NULL constraints (`migrate-help check` flags AlterField to NOT NULL without a backfill).'],
    };
  },
  cases: {
    match: [
      { name: 'PG 12+', text: 'django.db.utils.IntegrityError: column "email" of relation "accounts_user" contains null values', expect: { column: 'email', table: 'accounts_user', database: 'postgresql' } },
      { name: 'old PG', text: 'IntegrityError: column "email" contains null values', expect: { column: 'email' } },
    ],
    nearMiss: ['null value in column "email" of relation "accounts_user" violates not-null constraint', 'the column contains no null values'],
  },
});
