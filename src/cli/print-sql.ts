/** Output of `sql`: JSON in the documented shape, or text that reads like `sqlmigrate` with a lock comment per statement. */
import { renderMigrationSql, renderSqlHeader } from '../engine/report/sql.js';
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

export function printSql(result: SqlResult, format: 'text' | 'json'): Output {
  if (format === 'json') return { stdout: `${JSON.stringify(sqlJson(result), null, 2)}\n`, stderr: '' };
  const header = `${renderSqlHeader(result, result.migrations)}\n\n`;
  return { stdout: header + result.migrations.map(renderMigrationSql).join('\n'), stderr: '' };
}
