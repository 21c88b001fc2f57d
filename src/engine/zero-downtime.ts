/**
 * django-pg-zero-downtime-migrations: a PostgreSQL database backend that rewrites the DDL Django emits. When a
 * project runs it (`zeroDowntimeBackend` in the config, `--pg-zero-downtime` on the CLI), the lock findings its
 * rewrites make safe are not raised. Everything it leaves alone (rolling-deploy breakage, type changes, renames,
 * NOT NULL columns without a database default, RunSQL and RunPython, which it does not touch) is still checked.
 */
import type { Database } from './types.js';

/** Rule id → what the backend does instead, for docs and `rules` listings. */
export const MADE_SAFE_BY_ZERO_DOWNTIME_BACKEND: Readonly<Record<string, string>> = {
  'add-index-non-concurrent': 'every CREATE INDEX runs as CREATE INDEX CONCURRENTLY',
  'add-field-index': 'the column\'s index is built with CREATE INDEX CONCURRENTLY after ADD COLUMN',
  'alter-field-add-index': 'the index is built with CREATE INDEX CONCURRENTLY',
  'index-build-under-exclusive-lock': 'index builds run CONCURRENTLY outside the ALTER TABLE\'s transaction',
  'remove-index-non-concurrent': 'DROP INDEX runs as DROP INDEX CONCURRENTLY IF EXISTS',
  'alter-field-drop-index': 'DROP INDEX runs as DROP INDEX CONCURRENTLY IF EXISTS',
  'add-field-unique': 'the unique index is built CONCURRENTLY, then attached with ADD CONSTRAINT … UNIQUE USING INDEX',
  'alter-field-add-unique': 'the unique index is built CONCURRENTLY, then attached with ADD CONSTRAINT … UNIQUE USING INDEX',
  'add-unique-constraint': 'the unique index is built CONCURRENTLY, then attached with ADD CONSTRAINT … UNIQUE USING INDEX',
  'add-check-constraint': 'the constraint is added NOT VALID, then checked with VALIDATE CONSTRAINT (no write lock)',
  'add-field-foreign-key': 'the foreign key is added NOT VALID, then checked with VALIDATE CONSTRAINT (no write lock)',
  'alter-field-fk-constraint': 'the foreign key is added NOT VALID, then checked with VALIDATE CONSTRAINT (no write lock)',
  'missing-lock-timeout': 'statements that take ACCESS EXCLUSIVE run with its lock_timeout and statement_timeout settings',
};

/** True when the backend makes this rule's finding safe on this database. */
export function madeSafeByZeroDowntimeBackend(ruleId: string, database: Database, enabled: boolean | undefined): boolean {
  return enabled === true && database === 'postgresql' && ruleId in MADE_SAFE_BY_ZERO_DOWNTIME_BACKEND;
}
