/** Output of `sql`: JSON in the documented shape, or text that reads like `sqlmigrate` with a lock comment per statement. */
import type { MigrationSql, SqlStatement } from '../engine/sql/index.js';
import type { SqlResult } from './commands/sql.js';
import type { Output } from './print.js';

/** The JSON shape docs/sql.md documents; internal fields (relations, deferral) stay out of it. */
export function sqlJson(result: SqlResult): unknown {
  return {
    migrations: result.migrations.map((m) => ({
      app: m.app,
      name: m.name,
      file: m.file,
      atomic: m.atomic,
      operations: m.operations.map((op) => ({
        index: op.index,
        type: op.type,
        unknown: op.unknown,
        statements: op.statements.map((s) => ({ sql: s.sql, lock: s.lock, rewrite: s.rewrite, scan: s.scan })),
      })),
    })),
  };
}

function lockComment(statement: SqlStatement): string {
  const on = statement.locks.length > 0 ? statement.locks.map((l) => `${l.mode} on ${l.relation}`).join(', ') : (statement.lock ?? 'none');
  return `-- lock: ${on}, rewrite: ${statement.rewrite ? 'yes' : 'no'}, scan: ${statement.scan ? 'yes' : 'no'}`;
}

function statementText(statement: SqlStatement): string {
  return `${statement.sql}${statement.sql.trimEnd().endsWith(';') ? '' : ';'}\n${lockComment(statement)}\n`;
}

function migrationText(migration: MigrationSql): string {
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

export function printSql(result: SqlResult, format: 'text' | 'json'): Output {
  if (format === 'json') return { stdout: `${JSON.stringify(sqlJson(result), null, 2)}\n`, stderr: '' };
  const ops = result.migrations.flatMap((m) => m.operations);
  const unknown = ops.filter((op) => op.unknown).length;
  const header = `-- ${result.database} ${result.version}: ${ops.length - unknown} of ${ops.length} operations predicted\n\n`;
  return { stdout: header + result.migrations.map(migrationText).join('\n'), stderr: '' };
}
