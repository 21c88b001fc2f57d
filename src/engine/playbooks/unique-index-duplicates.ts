import { appFromTable, definePlaybook, orPlaceholder, step } from './types.js';

const keyDetail = /Key \(([^)]{1,300})\)=/;

export default definePlaybook({
  id: 'unique-index-duplicates',
  title: 'Unique index cannot be built: duplicate values',
  summary: 'A migration adds a unique constraint but existing rows already hold duplicates.',
  patterns: [
    {
      regex: /could not create unique index "([^"]{1,128})"/,
      extract: (m, following) => {
        const detail = following.map((line) => keyDetail.exec(line)).find((found) => found !== null);
        return { index: m[1], columns: detail?.[1], database: 'postgresql' };
      },
      confidence: 'high',
    },
  ],
  explain(x) {
    const index = orPlaceholder(x.index, 'index');
    const columns = orPlaceholder(x.columns, 'columns');
    const table = x.table ?? (x.index ? x.index.replace(/_[0-9a-f]{8}_uniq$|_key$|_uniq$/, '').replace(/_[a-z0-9]+$/, '') : undefined);
    const tableName = orPlaceholder(table, 'table');
    const app = orPlaceholder(x.app ?? appFromTable(table), 'app');
    return {
      meaning: `Building the unique index ${index} failed because rows already share the same (${columns}). The migration rolled back.`,
      likelyCauses: ['Existing data has duplicates (case differences, blanks, imported rows).', 'A unique AddField used a single default, giving every existing row the same value.'],
      steps: [
        step('Find the duplicates:', `psql -c "SELECT ${columns}, count(*) FROM ${tableName} GROUP BY ${columns} HAVING count(*) > 1;"`),
        step('Deduplicate in a data migration (or by hand after agreeing which rows win), before the unique migration.'),
        step('For a new unique field: add it nullable without unique, fill unique values per row in a RunPython, then alter it to unique=True and null=False (Django\'s documented three-step recipe).'),
        step('Rerun:', `python manage.py migrate ${app}`),
      ],
      verify: ['The duplicate query returns no rows and the migration applies.'],
      prevent: ['Deduplicate and guard in code before adding unique constraints; on PostgreSQL build them with AddIndexConcurrently/UniqueConstraint concurrently on big tables.'],
    };
  },
  cases: {
    match: [
      {
        name: 'PG with detail',
        text: 'django.db.utils.IntegrityError: could not create unique index "accounts_user_email_key"\nDETAIL:  Key (email)=(a@example.com) is duplicated.',
        expect: { index: 'accounts_user_email_key', columns: 'email', database: 'postgresql' },
      },
    ],
    nearMiss: ['duplicate key value violates unique constraint "accounts_user_email_key"', 'could not create index "x"'],
  },
});
