/**
 * Plain questions people ask, each with the recipe, playbook or guide the answer must lead with.
 * `top` is the rank it must reach: 1 for most, 3 at worst where two documents are equally right.
 */
export interface LabelledQuestion {
  question: string;
  expect: string;
  top: 1 | 3;
  topic: string;
}

export const QUESTIONS: readonly LabelledQuestion[] = [
  { topic: 'creating', question: 'How do I create a new migration after changing a model?', expect: 'guide:creating-migrations', top: 1 },
  { topic: 'creating', question: 'How can CI fail when someone forgot to run makemigrations?', expect: 'guide:creating-migrations', top: 1 },
  { topic: 'creating', question: 'makemigrations keeps asking me to provide a one-off default for a non-nullable field', expect: 'playbook:non-nullable-field-prompt', top: 1 },
  { topic: 'squashing', question: 'How do I squash old migrations in an app with 300 files?', expect: 'guide:squashing-migrations', top: 1 },
  { topic: 'squashing', question: 'When can I delete the migrations a squashed migration replaces?', expect: 'guide:squashing-migrations', top: 1 },
  { topic: 'conflicts', question: 'Two branches both added 0042 in the same app, how do I merge them?', expect: 'guide:merge-conflicting-migrations', top: 1 },
  { topic: 'conflicts', question: 'Conflicting migrations detected; multiple leaf nodes in the migration graph', expect: 'playbook:conflicting-migrations', top: 3 },
  { topic: 'circular', question: 'How do I fix a circular dependency between two apps?', expect: 'guide:circular-dependencies', top: 1 },
  { topic: 'fake', question: 'When should I use migrate --fake-initial on an existing database?', expect: 'guide:fake-and-fake-initial', top: 1 },
  { topic: 'fake', question: 'Is it safe to mark a migration as applied with --fake?', expect: 'guide:fake-and-fake-initial', top: 1 },
  { topic: 'postgresql', question: 'How do I add an index to a big PostgreSQL table without blocking writes?', expect: 'rule:add-index-non-concurrent', top: 3 },
  { topic: 'postgresql', question: 'What lock_timeout should Postgres migrations use so they do not queue every query?', expect: 'guide:postgresql-specifics', top: 3 },
  { topic: 'mysql', question: 'A MySQL migration failed halfway, is the DDL rolled back?', expect: 'playbook:ddl-in-transaction', top: 1 },
  { topic: 'mysql', question: 'Specified key was too long; max key length is 767 bytes on MariaDB', expect: 'guide:mysql-mariadb-specifics', top: 3 },
  { topic: 'sqlite', question: 'Why does SQLite rebuild the whole table for an AlterField?', expect: 'rule:sqlite-table-rebuild', top: 1 },
  { topic: 'oracle', question: 'ORA-00972 identifier is too long when migrating on Oracle', expect: 'guide:oracle-specifics', top: 3 },
  { topic: 'batches', question: 'How do I backfill millions of rows in a data migration in batches?', expect: 'guide:batched-data-migrations', top: 1 },
  { topic: 'batches', question: 'My RunPython data migration updates the whole table in one transaction, how do I chunk it?', expect: 'guide:batched-data-migrations', top: 3 },
  { topic: 'not-null', question: 'How do I add a NOT NULL column to a large PostgreSQL table?', expect: 'rule:add-field-not-null-without-db-default', top: 1 },
  { topic: 'not-null', question: 'Making an existing nullable column NOT NULL on a large table', expect: 'rule:alter-field-set-not-null', top: 3 },
  { topic: 'not-null', question: 'column contains null values when I alter the field to not null', expect: 'playbook:null-values-block-not-null', top: 3 },
  { topic: 'renames', question: 'How do I rename a column without downtime?', expect: 'guide:rename-field-or-model', top: 1 },
  { topic: 'renames', question: 'Is RenameModel safe during a rolling deploy?', expect: 'guide:rename-field-or-model', top: 3 },
  { topic: 'expand-contract', question: 'What is the expand and contract pattern for zero downtime deploys?', expect: 'guide:zero-downtime-expand-contract', top: 1 },
  { topic: 'expand-contract', question: 'How do I drop a column safely while old code still runs?', expect: 'rule:remove-field', top: 3 },
  { topic: 'rollback', question: 'How do I roll back the last migration of an app?', expect: 'guide:rollback-migrations', top: 1 },
  { topic: 'rollback', question: 'IrreversibleError when I try to unapply a migration', expect: 'playbook:irreversible-migration', top: 1 },
  { topic: 'multi-db', question: 'How do I run migrations on several databases with a router?', expect: 'guide:multi-database-and-replicas', top: 1 },
  { topic: 'multi-db', question: 'Should I run migrate against the read replica too?', expect: 'guide:multi-database-and-replicas', top: 1 },
  { topic: 'errors', question: 'NodeNotFoundError: migration dependencies reference nonexistent parent node', expect: 'playbook:node-not-found', top: 1 },
  { topic: 'errors', question: 'InconsistentMigrationHistory: migration admin.0001_initial is applied before its dependency', expect: 'playbook:inconsistent-migration-history', top: 1 },
  { topic: 'errors', question: 'canceling statement due to lock timeout during migrate', expect: 'playbook:lock-timeout', top: 1 },
  { topic: 'errors', question: 'relation already exists when running migrate', expect: 'playbook:already-exists', top: 1 },
  { topic: 'errors', question: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block', expect: 'playbook:concurrent-index-in-transaction', top: 1 },
];
