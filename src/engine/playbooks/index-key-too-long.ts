import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'index-key-too-long',
  title: 'MySQL/MariaDB error 1071: index key too long',
  summary: 'An index or unique constraint covers more bytes than InnoDB allows (767 per column on old row formats, 3072 in all).',
  patterns: [
    {
      regex: /Specified key was too long; max key length is (\d{3,5}) bytes/,
      extract: (m) => ({ limit: m[1], database: 'mysql' }),
      confidence: 'high',
    },
  ],
  explain(x) {
    const limit = orPlaceholder(x.limit, 'limit');
    const oldFormat = x.limit === '767';
    return {
      meaning: [
        `MySQL/MariaDB refused to build an index whose key is longer than ${limit} bytes. In utf8mb4 every character of a`,
        'CHAR/VARCHAR column counts as 4 bytes, so a unique or indexed `CharField(max_length=255)` needs 1,020 bytes.',
        oldFormat
          ? '767 bytes is the limit per column on the COMPACT/REDUNDANT row formats (the default before MySQL 5.7.7 and MariaDB 10.2.2, or a table created then).'
          : 'The key of one index may not exceed 3072 bytes in total, however many columns it has.',
        'The statement failed; on MySQL/MariaDB the operations before it in the same migration stay applied (DDL is not transactional).',
      ].join(' '),
      likelyCauses: oldFormat
        ? ['A unique/indexed CharField longer than 191 characters on a table with ROW_FORMAT=COMPACT or REDUNDANT.', 'An old server (MySQL 5.6, MariaDB 10.1) or `innodb_large_prefix=OFF`, or `innodb_default_row_format` set to compact.']
        : ['A multi-column index or unique_together over several long CharFields.', 'A single utf8mb4 column longer than 768 characters with unique=True or db_index=True.'],
      steps: [
        step('See which migration stopped and what is already applied:', 'python manage.py showmigrations'),
        step('Check the table\'s row format and charset:', 'mysql -e "SELECT table_name, row_format, table_collation FROM information_schema.tables WHERE table_schema = DATABASE();"'),
        ...(oldFormat
          ? [
              step('Either move the table to the DYNAMIC row format (3072-byte keys; a table copy, so do it off-peak):', 'mysql -e "ALTER TABLE <table> ROW_FORMAT=DYNAMIC;"'),
              step('or shorten the field to `max_length=191` (191 × 4 = 764 bytes) in the model and the migration, after checking no value is longer.'),
            ]
          : [step('Shorten the columns of the index, or index a short hash of them instead (a generated column with a unique index) in a RunSQL.')]),
        step('If the migration stopped half way, roll back what it applied (or fake the operations that are already in the database) before running it again:', 'python manage.py migrate <app> <previous_migration>'),
        step('Run the migration again:', 'python manage.py migrate'),
      ],
      verify: ['`SHOW INDEX FROM <table>;` lists the new index, and `python manage.py showmigrations` shows the migration applied.'],
      prevent: ['`migrate-help check --database mysql --database-version <version>` reports `mysql-index-key-length` before the deploy; keep indexed utf8mb4 CharFields at 191 characters or fewer on old row formats.'],
    };
  },
  cases: {
    match: [
      {
        name: 'MySQL 5.6 unique CharField',
        text: 'django.db.utils.OperationalError: (1071, \'Specified key was too long; max key length is 767 bytes\')',
        expect: { limit: '767', database: 'mysql' },
      },
      {
        name: 'MySQL 8 composite index',
        text: 'MySQLdb.OperationalError: (1071, \'Specified key was too long; max key length is 3072 bytes\')',
        expect: { limit: '3072' },
      },
    ],
    nearMiss: ['Specified key was too long', '(1170, "BLOB/TEXT column \'body\' used in key specification without a key length")'],
  },
});
