/**
 * What each kind of statement locks, rewrites and reads, per backend and version. Sources: the
 * PostgreSQL ALTER TABLE / CREATE INDEX / explicit-locking pages, the MySQL "Online DDL operations"
 * and MariaDB "InnoDB online DDL" pages (see /work/shared/reference/migration-rules.md); every claim
 * here is observed on real servers by test/verify.
 */
import { atLeast } from './version.js';
import { PG_LOCK_MODES } from './types.js';
import type { LockClaim, MysqlAlgorithm, MysqlLock, PgLockMode, SqlStatement, SqlTarget } from './types.js';

/** The statement shapes the schema editor emits, with the facts their cost depends on. */
export type Action =
  | { kind: 'create-table' }
  | { kind: 'drop-table' }
  | { kind: 'rename-table' }
  | { kind: 'add-column'; unique: boolean; foreignKey: string | null; volatileDefault: boolean; hasDefault: boolean; notNull: boolean }
  /** `indexed`: an index includes the column, so dropping it drops or rebuilds that index too. */
  | { kind: 'drop-column'; indexed: boolean }
  | { kind: 'rename-column' }
  | { kind: 'alter-columns'; changes: ColumnChange[] }
  | { kind: 'update-rows' }
  | { kind: 'set-constraints' }
  | { kind: 'create-index'; concurrently: boolean; unique: boolean }
  | { kind: 'drop-index'; concurrently: boolean }
  | { kind: 'add-unique' }
  | { kind: 'add-check' }
  | { kind: 'add-foreign-key'; references: string }
  | { kind: 'drop-constraint'; constraint: 'fk' | 'unique' | 'check' | 'pk' };

/** One change inside an ALTER TABLE … ALTER COLUMN (or MySQL MODIFY). */
export type ColumnChange =
  | { change: 'set-default' }
  | { change: 'drop-default' }
  | { change: 'set-not-null' }
  | { change: 'drop-not-null' }
  /** `rewrite`: the new type is not binary-coercible from the old one. */
  | { change: 'type'; rewrite: boolean; mysql: 'instant' | 'inplace' | 'copy' };

export interface Facts {
  lock: string | null;
  rewrite: boolean;
  scan: boolean;
  locks: LockClaim[];
  alter?: { algorithm: MysqlAlgorithm; lock: MysqlLock };
  transactional: boolean;
}

function pgFacts(action: Action, table: string, target: SqlTarget): Facts {
  // A self-referencing foreign key names the changed table twice: it holds the stronger mode.
  const on = (mode: PgLockMode, extra: LockClaim[] = []): LockClaim[] => [{ relation: table, mode }, ...extra.filter((claim) => claim.relation !== table || PG_LOCK_MODES.indexOf(claim.mode) > PG_LOCK_MODES.indexOf(mode))];
  const base = { rewrite: false, scan: false, transactional: true };
  switch (action.kind) {
    case 'create-table':
    case 'drop-table':
    case 'rename-table':
    case 'drop-column':
    case 'rename-column':
      return { ...base, locks: on('ACCESS EXCLUSIVE'), lock: 'ACCESS EXCLUSIVE' };
    case 'add-column': {
      // PostgreSQL 11+ stores a non-volatile default in the catalog instead of rewriting.
      const rewrite = action.hasDefault && (action.volatileDefault || !atLeast(target, '11'));
      const extra: LockClaim[] = action.foreignKey ? [{ relation: action.foreignKey, mode: 'SHARE ROW EXCLUSIVE' }] : [];
      // A rewrite reads every row as well.
      return { ...base, rewrite, scan: action.unique || rewrite, locks: on('ACCESS EXCLUSIVE', extra), lock: 'ACCESS EXCLUSIVE' };
    }
    case 'alter-columns': {
      const rewrite = action.changes.some((c) => c.change === 'type' && c.rewrite);
      const scan = rewrite || action.changes.some((c) => c.change === 'set-not-null');
      return { ...base, rewrite, scan, locks: on('ACCESS EXCLUSIVE'), lock: 'ACCESS EXCLUSIVE' };
    }
    case 'update-rows':
      return { ...base, scan: true, locks: on('ROW EXCLUSIVE'), lock: 'ROW EXCLUSIVE' };
    case 'set-constraints':
      return { ...base, locks: [], lock: null };
    case 'create-index':
      return action.concurrently
        ? { ...base, scan: true, transactional: false, locks: on('SHARE UPDATE EXCLUSIVE'), lock: 'SHARE UPDATE EXCLUSIVE' }
        : { ...base, scan: true, locks: on('SHARE'), lock: 'SHARE' };
    case 'drop-index':
      return action.concurrently
        ? { ...base, transactional: false, locks: on('SHARE UPDATE EXCLUSIVE'), lock: 'SHARE UPDATE EXCLUSIVE' }
        : { ...base, locks: on('ACCESS EXCLUSIVE'), lock: 'ACCESS EXCLUSIVE' };
    case 'add-unique':
    case 'add-check':
      return { ...base, scan: true, locks: on('ACCESS EXCLUSIVE'), lock: 'ACCESS EXCLUSIVE' };
    case 'add-foreign-key':
      return { ...base, scan: true, locks: on('SHARE ROW EXCLUSIVE', [{ relation: action.references, mode: 'SHARE ROW EXCLUSIVE' }]), lock: 'SHARE ROW EXCLUSIVE' };
    case 'drop-constraint':
      return { ...base, locks: on('ACCESS EXCLUSIVE'), lock: 'ACCESS EXCLUSIVE' };
  }
}

const ALGORITHM_RANK: Record<MysqlAlgorithm, number> = { INSTANT: 0, INPLACE: 1, COPY: 2 };

function mysqlAlter(algorithm: MysqlAlgorithm, lock: MysqlLock, rewrite: boolean, scan: boolean): Facts {
  return { lock: `ALGORITHM=${algorithm}, LOCK=${lock}`, alter: { algorithm, lock }, rewrite, scan, locks: [], transactional: false };
}

function mysqlColumnChange(change: ColumnChange, mariadb: boolean, target: SqlTarget): [MysqlAlgorithm, boolean] {
  switch (change.change) {
    case 'set-default':
    case 'drop-default':
      return ['INSTANT', false];
    case 'set-not-null':
      return ['INPLACE', true];
    case 'drop-not-null':
      return ['INPLACE', true];
    case 'type':
      if (change.mysql === 'copy') return ['COPY', true];
      if (change.mysql === 'instant' && mariadb && atLeast(target, '10.4.3')) return ['INSTANT', false];
      return ['INPLACE', false];
  }
}

function mysqlFacts(action: Action, target: SqlTarget): Facts {
  const mariadb = target.database === 'mariadb';
  const instantAdd = mariadb ? atLeast(target, '10.3.2') : atLeast(target, '8.0.12');
  const none = { lock: null, rewrite: false, scan: false, locks: [], transactional: false };
  switch (action.kind) {
    case 'create-table':
    case 'drop-table':
    case 'rename-table':
    case 'set-constraints':
      return none;
    case 'update-rows':
      return { ...none, scan: true };
    case 'add-column':
      // Adding a foreign key with foreign_key_checks on is a copy; a UNIQUE builds an index in place.
      if (action.foreignKey) return mysqlAlter('COPY', 'SHARED', true, true);
      if (action.unique) return mysqlAlter('INPLACE', 'NONE', true, true);
      return instantAdd ? mysqlAlter('INSTANT', 'NONE', false, false) : mysqlAlter('INPLACE', 'NONE', true, false);
    case 'drop-column':
      // MariaDB drops a column with its index without a rebuild (NOCOPY).
      if (action.indexed) return mysqlAlter('INPLACE', 'NONE', !mariadb, !mariadb);
      return (mariadb ? atLeast(target, '10.4') : atLeast(target, '8.0.29')) ? mysqlAlter('INSTANT', 'NONE', false, false) : mysqlAlter('INPLACE', 'NONE', true, false);
    case 'rename-column':
      return (mariadb ? atLeast(target, '10.5.2') : atLeast(target, '8.0.28')) ? mysqlAlter('INSTANT', 'NONE', false, false) : mysqlAlter('INPLACE', 'NONE', false, false);
    case 'alter-columns': {
      let algorithm: MysqlAlgorithm = 'INSTANT';
      let rebuild = false;
      for (const change of action.changes) {
        const [alg, rebuilds] = mysqlColumnChange(change, mariadb, target);
        if (ALGORITHM_RANK[alg] > ALGORITHM_RANK[algorithm]) algorithm = alg;
        rebuild ||= rebuilds;
      }
      const scan = action.changes.some((c) => c.change === 'set-not-null');
      return mysqlAlter(algorithm, algorithm === 'COPY' ? 'SHARED' : 'NONE', rebuild, scan || rebuild);
    }
    case 'create-index':
    case 'add-unique':
      return mysqlAlter('INPLACE', 'NONE', false, true);
    case 'drop-index':
      // MariaDB calls this NOCOPY: in place without a rebuild.
      return mysqlAlter('INPLACE', 'NONE', false, false);
    case 'add-check':
      return mysqlAlter('COPY', 'SHARED', true, true);
    case 'add-foreign-key':
      return mysqlAlter('COPY', 'SHARED', true, true);
    case 'drop-constraint':
      if (action.constraint === 'unique') return mysqlAlter('INPLACE', 'NONE', false, false);
      return mysqlAlter(mariadb ? 'INSTANT' : 'INPLACE', 'NONE', false, false);
  }
}

/** Lock, rewrite and scan facts for one statement. */
export function factsFor(action: Action, table: string, target: SqlTarget): Facts {
  return target.database === 'postgresql' ? pgFacts(action, table, target) : mysqlFacts(action, target);
}

export function toStatement(sql: string, action: Action, table: string | null, target: SqlTarget): SqlStatement {
  const facts = factsFor(action, table ?? '', target);
  return { sql, table, ...facts };
}
