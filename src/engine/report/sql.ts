/**
 * The predicted SQL next to the findings: which statements a finding's operation runs, how to say what
 * each one locks, and the text forms every surface shares (the `sql` command's text, the model tool's
 * result, the "SQL and locks" block of PR comments and check runs). Pure string builders.
 */
import { loadSqlParser, predictSql } from '../sql/index.js';
import type { MigrationSql, PredictOptions, SqlStatement, SqlTarget } from '../sql/index.js';
import type { Finding, ResolvedSettings } from '../rules/types.js';
import type { MigrationFile } from '../types.js';
import type { FindingSection } from './pr-comment.js';

/** The statement facts the reports read: an engine statement, or one read back from `sql --format json`. */
export type PredictedStatement = Pick<SqlStatement, 'sql' | 'lock' | 'rewrite' | 'scan'> & Partial<Pick<SqlStatement, 'table' | 'locks' | 'deferred'>>;

/** A predicted migration as far as the reports read it: the engine's `MigrationSql` and the JSON document both fit. */
export interface PredictedMigration {
  app: string;
  name: string;
  operations: ReadonlyArray<{ index: number; unknown: boolean; statements: readonly PredictedStatement[] }>;
}

/** Finds the statements of a finding's operation: none for nested operations, unpredicted ones or findings on no operation. */
export type StatementsOf = (finding: Finding) => readonly PredictedStatement[];

/**
 * The statements of `files` on a target, with PostgreSQL's parser loaded first so RunSQL is read by it.
 * Callers that lint pass the files they analysed, so the tree is read once for both.
 */
export async function predictStatements(files: readonly MigrationFile[], target: SqlTarget, options: PredictOptions = {}): Promise<MigrationSql[]> {
  if (target.database === 'postgresql') await loadSqlParser();
  return predictSql(files, target, options);
}

/**
 * The SQL of the linted files on the target their report was judged against, from the files it analysed
 * (the tree is read once). Empty when the prediction fails: it adds to the findings, which stand without it.
 */
export async function predictForReport(files: readonly MigrationFile[], settings: Pick<ResolvedSettings, 'database' | 'versionText' | 'swappable'>, targets?: readonly string[]): Promise<MigrationSql[]> {
  try {
    return await predictStatements(files, { database: settings.database, version: settings.versionText }, { swappable: settings.swappable, ...(targets === undefined ? {} : { targets }) });
  } catch {
    return [];
  }
}

function operationKey(app: string, migration: string, index: number): string {
  return `${app}.${migration}#${index}`;
}

export function statementsByFinding(migrations: readonly PredictedMigration[]): StatementsOf {
  const byOperation = new Map<string, readonly PredictedStatement[]>();
  for (const migration of migrations) {
    for (const operation of migration.operations) {
      if (!operation.unknown && operation.statements.length > 0) byOperation.set(operationKey(migration.app, migration.name, operation.index), operation.statements);
    }
  }
  return (finding) => {
    const operation = finding.operation;
    // A finding inside SeparateDatabaseAndState points at a child; the prediction is per top-level operation.
    if (operation === undefined || operation.path.length > 0) return [];
    return byOperation.get(operationKey(finding.app, finding.migration, operation.index)) ?? [];
  };
}

const MYSQL_ALTER = /^ALGORITHM=\w+, LOCK=\w+$/;

/**
 * What one statement locks, as a clause: `takes ACCESS EXCLUSIVE on "shop_order"` (PostgreSQL, every
 * relation), `runs with ALGORITHM=INPLACE, LOCK=NONE on "shop_order"` (MySQL/MariaDB), or
 * `takes no table lock worth naming` when the prediction names none.
 */
export function lockClause(statement: PredictedStatement): string {
  const locks = statement.locks ?? [];
  if (locks.length > 0) return `takes ${locks.map((lock) => `${lock.mode} on "${lock.relation}"`).join(' and ')}`;
  const on = statement.table ? ` on "${statement.table}"` : '';
  if (statement.lock === null) return 'takes no table lock worth naming';
  if (MYSQL_ALTER.test(statement.lock)) return `runs with ${statement.lock}${on}`;
  return `takes ${statement.lock}${on}`;
}

/** The lock clause with the rewrite and scan facts that hold: `takes SHARE on "t"; reads every row`. */
export function statementFacts(statement: PredictedStatement): string {
  const facts = [lockClause(statement)];
  if (statement.rewrite) facts.push('rewrites the table');
  if (statement.scan) facts.push('reads every row');
  return facts.join('; ');
}

function withSemicolon(sql: string): string {
  return sql.trimEnd().endsWith(';') ? sql : `${sql};`;
}

/** A folded "SQL and locks" block under each finding whose top-level operation has predicted statements. */
export function sqlSections(migrations: readonly PredictedMigration[] | undefined): ((finding: Finding) => FindingSection[]) | undefined {
  if (migrations === undefined) return undefined;
  const statementsOf = statementsByFinding(migrations);
  return (finding) => {
    const statements = statementsOf(finding);
    if (statements.length === 0) return [];
    const lines = statements.map((statement) => `-- lock: ${statement.lock ?? 'none'}; rewrite: ${statement.rewrite ? 'yes' : 'no'}; scan: ${statement.scan ? 'yes' : 'no'}\n${withSemicolon(statement.sql)}`);
    return [{ title: 'SQL and locks', body: ['```sql', ...lines, '```'].join('\n') }];
  };
}

function lockComment(statement: SqlStatement): string {
  const on = statement.locks.length > 0 ? statement.locks.map((l) => `${l.mode} on ${l.relation}`).join(', ') : (statement.lock ?? 'none');
  return `-- lock: ${on}, rewrite: ${statement.rewrite ? 'yes' : 'no'}, scan: ${statement.scan ? 'yes' : 'no'}`;
}

function statementText(statement: SqlStatement): string {
  return `${withSemicolon(statement.sql)}\n${lockComment(statement)}\n`;
}

/** One migration as `sqlmigrate` prints it, with a lock comment per statement and a line per operation not predicted. */
export function renderMigrationSql(migration: MigrationSql): string {
  let out = `-- ${migration.app}.${migration.name} (${migration.file})\n`;
  if (migration.atomic) out += 'BEGIN;\n';
  const deferred: SqlStatement[] = [];
  for (const op of migration.operations) {
    out += `--\n-- ${op.description}\n--\n`;
    if (op.unknown) out += `-- not predicted: ${op.reason ?? 'unknown'}\n`;
    else if (op.statements.length === 0) out += '-- (no-op)\n';
    for (const statement of op.statements) {
      if (statement.deferred) deferred.push(statement);
      else out += statementText(statement);
    }
  }
  // Django runs deferred statements (indexes, foreign keys of new tables and columns) when the migration ends.
  for (const statement of deferred) out += statementText(statement);
  if (migration.atomic) out += 'COMMIT;\n';
  return out;
}

/** The header line of a prediction: `-- postgresql 16: 4 of 5 operations predicted`. */
export function renderSqlHeader(target: { database: string; version: string }, migrations: readonly MigrationSql[]): string {
  const ops = migrations.flatMap((m) => m.operations);
  const unknown = ops.filter((op) => op.unknown).length;
  return `-- ${target.database} ${target.version}: ${ops.length - unknown} of ${ops.length} operations predicted`;
}
