/**
 * The SQL model: the statements Django's schema editor would run for each operation, annotated with
 * what each statement locks, whether it rewrites the table and whether it reads every row. Plain data,
 * shared by the `sql` command, the verification suite and (later) the fix generator.
 */
import type { Database } from '../types.js';

/** PostgreSQL table-level lock modes, weakest first (the order of the conflict table in the docs). */
export const PG_LOCK_MODES = ['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'] as const;
export type PgLockMode = (typeof PG_LOCK_MODES)[number];

export type MysqlAlgorithm = 'INSTANT' | 'INPLACE' | 'COPY';
export type MysqlLock = 'NONE' | 'SHARED' | 'EXCLUSIVE';

/** A lock one statement takes on one relation (PostgreSQL). */
export interface LockClaim {
  relation: string;
  mode: PgLockMode;
}

export interface SqlStatement {
  /** The statement as Django would send it, without the trailing semicolon. */
  sql: string;
  /**
   * PostgreSQL: the strongest lock mode on the table the statement changes. MySQL/MariaDB: the best
   * `ALGORITHM=…, LOCK=…` the server allows for an ALTER. Null when the statement takes no table lock
   * worth naming (SET CONSTRAINTS) or is not an ALTER on MySQL (CREATE/DROP/RENAME TABLE, UPDATE).
   */
  lock: string | null;
  /** The table is rewritten (every row copied). */
  rewrite: boolean;
  /** Every row is read (validation of a constraint, an index build, a full-table UPDATE). */
  scan: boolean;
  /** The table the statement acts on (unquoted), when it acts on one. */
  table: string | null;
  /** PostgreSQL: every relation locked and the mode, the changed table first. */
  locks: LockClaim[];
  /** MySQL/MariaDB: the algorithm and lock the claim names, for ALTERs. */
  alter?: { algorithm: MysqlAlgorithm; lock: MysqlLock };
  /** False for statements PostgreSQL refuses inside a transaction block (CONCURRENTLY). */
  transactional: boolean;
  /** Run at the end of the migration (Django's deferred_sql: indexes and foreign keys of new columns). */
  deferred?: boolean;
}

export interface OperationSql {
  index: number;
  type: string;
  /** True when the statements could not be predicted; `reason` says why. */
  unknown: boolean;
  reason?: string;
  /** sqlmigrate's description comment, e.g. `Add field isbn to book`. */
  description: string;
  statements: SqlStatement[];
}

export interface MigrationSql {
  app: string;
  name: string;
  file: string;
  /** The migration runs in a transaction (atomic and the backend can roll back DDL). */
  atomic: boolean;
  operations: OperationSql[];
}

export interface SqlTarget {
  database: Database;
  /** `major[.minor[.patch]]`. */
  version: string;
}

/** A statement or an "I cannot know" verdict, from one operation's translation. */
export class Unpredictable extends Error {}
