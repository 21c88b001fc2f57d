import { describe, expect, it } from 'vitest';
import { splitSqlStatements } from '../../../../src/engine/rules/_lib/sql.js';

const code = (sql: string): string[] => splitSqlStatements(sql).map((statement) => statement.code);

describe('splitSqlStatements code (comments removed, literals kept)', () => {
  it('splits on semicolons outside quotes, comments and dollar-quoted bodies', () => {
    const sql = [
      "-- a comment; not a statement",
      "CREATE INDEX CONCURRENTLY a ON t (x);",
      "INSERT INTO t (s) VALUES ('a;b');",
      'DO $do$ BEGIN PERFORM 1; END $do$;',
      '/* block; comment */ DROP INDEX CONCURRENTLY IF EXISTS b',
    ].join('\n');
    const statements = code(sql);
    expect(statements).toHaveLength(4);
    expect(statements[1]).toBe("INSERT INTO t (s) VALUES ('a;b')");
    expect(statements[2]).toBe('DO $do$ BEGIN PERFORM 1; END $do$');
    expect(statements[3]).toMatch(/^DROP INDEX CONCURRENTLY IF EXISTS b$/);
  });

  it('survives unterminated quotes and comments without throwing', () => {
    expect(code("SELECT 'open")).toEqual(["SELECT 'open"]);
    expect(code('SELECT 1; /* open')).toEqual(['SELECT 1']);
    expect(code('')).toEqual([]);
  });
});
