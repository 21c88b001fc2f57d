import { definePlaybook, orPlaceholder, step } from './types.js';

export default definePlaybook({
  id: 'lock-timeout',
  title: 'Lock or statement timeout while migrating',
  summary: 'The migration waited for a lock held by other sessions (or ran longer than allowed) and was cancelled.',
  patterns: [
    { regex: /canceling statement due to lock timeout/, extract: () => ({ kind: 'lock', database: 'postgresql' }), confidence: 'high' },
    { regex: /canceling statement due to statement timeout/, extract: () => ({ kind: 'statement', database: 'postgresql' }), confidence: 'high' },
    { regex: /errors\.LockNotAvailable/, extract: () => ({ kind: 'lock', database: 'postgresql' }), confidence: 'high' },
    { regex: /Lock wait timeout exceeded; try restarting transaction/, extract: () => ({ kind: 'lock', database: 'mysql' }), confidence: 'high' },
    { regex: /Waiting for table metadata lock/, extract: () => ({ kind: 'metadata', database: 'mysql' }), confidence: 'medium' },
  ],
  explain(x) {
    const mysql = x.database === 'mysql' || x.database === 'mariadb';
    const app = orPlaceholder(x.app, 'app');
    const migration = orPlaceholder(x.migration, 'migration');
    const statement = x.kind === 'statement';
    return {
      meaning: statement
        ? 'A statement of the migration ran longer than statement_timeout and PostgreSQL cancelled it; the migration transaction rolled back.'
        : 'The migration needed a lock on a table that another session held (a long query, an open transaction, a VACUUM…). It gave up waiting, which is what a lock timeout is for: without it, every query on that table would have queued behind the migration.',
      likelyCauses: statement
        ? ['A table rewrite, index build or data backfill on a large table.', 'statement_timeout is set for the role or database the migration uses.']
        : ['A long-running query or report on the same table.', 'An idle-in-transaction session holding a lock.', 'Heavy traffic taking row locks continuously on a hot table.', 'A previous migration attempt still running.'],
      steps: [
        step(
          mysql ? 'Find the blockers:' : 'Find who holds or waits for locks on the table:',
          mysql
            ? 'mysql -e "SHOW FULL PROCESSLIST; SELECT * FROM performance_schema.metadata_locks;"'
            : `psql -c "SELECT pid, state, now() - xact_start AS age, wait_event_type, left(query, 80) FROM pg_stat_activity WHERE state <> 'idle' ORDER BY xact_start;"`,
        ),
        step(
          'End the blocking session if it is safe to do so (a stuck report, an idle transaction):',
          mysql ? 'mysql -e "KILL <process_id>;"' : 'psql -c "SELECT pg_terminate_backend(<pid>);"',
        ),
        step(
          statement
            ? 'For a long operation, rewrite it in a non-blocking form (concurrent index, NOT VALID constraint then VALIDATE, batched backfill) or raise statement_timeout just for this migration session.'
            : 'Retry the migration: a short lock_timeout with retries is the intended pattern. Run it at a quiet time if the table is hot.',
          `python manage.py migrate ${app} ${migration}`.replace(' <migration>', ''),
        ),
        step(
          mysql
            ? 'If the migration was not atomic (MySQL DDL is not transactional), check which statements already ran before retrying.'
            : 'If a CREATE INDEX CONCURRENTLY was cancelled, it leaves an INVALID index: find it and drop it before retrying.',
          mysql ? `python manage.py sqlmigrate ${app} ${migration}` : `psql -c "SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;"`,
        ),
        step('Split a big migration so each lock is held for as short a time as possible.'),
      ],
      verify: [`\`python manage.py showmigrations ${app}\` shows the migration as [X].`, mysql ? 'No session is left waiting in SHOW PROCESSLIST.' : 'No INVALID indexes are left in pg_index.'],
      prevent: [
        mysql ? 'Set lock_wait_timeout for the migration session and retry on failure.' : "Set a short lock_timeout (e.g. SET lock_timeout = '5s') for migration sessions and retry with backoff.",
        'Run `migrate-help check` in CI to catch operations that take long blocking locks.',
        'Keep application transactions short and kill idle-in-transaction sessions (idle_in_transaction_session_timeout).',
      ],
    };
  },
  cases: {
    match: [
      { name: 'PG lock timeout', text: 'django.db.utils.OperationalError: canceling statement due to lock timeout', expect: { kind: 'lock', database: 'postgresql' } },
      { name: 'PG statement timeout', text: 'psycopg2.errors.QueryCanceled: canceling statement due to statement timeout', expect: { kind: 'statement' } },
      { name: 'MySQL', text: `django.db.utils.OperationalError: (1205, 'Lock wait timeout exceeded; try restarting transaction')`, expect: { kind: 'lock', database: 'mysql' } },
      { name: 'with Applying', text: '  Applying shop.0042_order_index...\ndjango.db.utils.OperationalError: canceling statement due to lock timeout', expect: { app: 'shop', migration: '0042_order_index' } },
    ],
    nearMiss: ['what lock timeout should I use?', 'statement_timeout = 30s'],
  },
});
