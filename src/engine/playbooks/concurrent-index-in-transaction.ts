import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'concurrent-index-in-transaction',
  title: 'Concurrent index operation inside a transaction',
  summary: 'AddIndexConcurrently / RemoveIndexConcurrently ran in an atomic migration.',
  patterns: [
    { regex: /The (AddIndexConcurrently|RemoveIndexConcurrently) operation cannot be executed inside a transaction/, extract: (m) => ({ operation: m[1], database: 'postgresql' }), confidence: 'high' },
    { regex: /(CREATE|DROP|REINDEX) INDEX CONCURRENTLY cannot run inside a transaction block/, extract: (m) => ({ operation: `${m[1]} INDEX CONCURRENTLY`, database: 'postgresql' }), confidence: 'high' },
  ],
  explain(x) {
    const app = orPlaceholder(x.app, 'app');
    return {
      meaning: `${orPlaceholder(x.operation, 'operation')} cannot run inside a transaction, and Django wraps each migration in one unless it says otherwise.`,
      likelyCauses: ['The migration does not set atomic = False.', 'The concurrent operation shares a migration with other operations (or a RunSQL that opens a transaction).'],
      steps: [
        step('Set atomic = False on the Migration class and keep the concurrent operation alone in its migration.'),
        step('If an earlier attempt was cancelled, drop the INVALID index it left behind:', `psql -c "SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;"`),
        step('Rerun:', `python manage.py migrate ${app}`),
      ],
      verify: [`\`python manage.py showmigrations ${app}\` shows it as [X] and the index is valid in pg_index.`],
      prevent: ['`migrate-help check` flags concurrent operations in atomic migrations.'],
    };
  },
  cases: {
    match: [
      { name: 'Django', text: 'NotSupportedError: The AddIndexConcurrently operation cannot be executed inside a transaction (set atomic = False on the migration).', expect: { operation: 'AddIndexConcurrently' } },
      { name: 'PG', text: 'psycopg2.errors.ActiveSqlTransaction: CREATE INDEX CONCURRENTLY cannot run inside a transaction block', expect: { operation: 'CREATE INDEX CONCURRENTLY' } },
    ],
    nearMiss: ['CREATE INDEX CONCURRENTLY shop_idx ON shop_order (created)', 'AddIndexConcurrently is nice'],
  },
});
