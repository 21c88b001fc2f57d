import { beforeAll, describe, expect, it } from 'vitest';
import { classifyRunSql, loadSqlParser } from '../../../src/engine/sql/index.js';

const PG = { database: 'postgresql', version: '16' } as const;

beforeAll(async () => {
  await loadSqlParser();
});

describe('RunSQL read by libpg-query', () => {
  it('names the risks and the lock of each statement', () => {
    const sql = `
      CREATE INDEX book_title ON library_book (title);
      CREATE INDEX CONCURRENTLY book_slug ON library_book (slug);
      ALTER TABLE library_book ALTER COLUMN stock SET NOT NULL;
      ALTER TABLE library_book ADD CONSTRAINT price_pos CHECK (price >= 0);
      ALTER TABLE library_book ADD CONSTRAINT price_pos2 CHECK (price >= 0) NOT VALID;
      ALTER TABLE library_book ADD CONSTRAINT fk FOREIGN KEY (author_id) REFERENCES shop_author (id) NOT VALID;
      UPDATE library_book SET stock = 0;
      DELETE FROM library_book WHERE id = 1;
      DROP TABLE old_things;
      ALTER TABLE library_book DROP COLUMN note;`;
    const rows = classifyRunSql(sql, PG).map((s) => ({ lock: s.lock, table: s.table, risks: s.risks, reader: s.reader, transactional: s.transactional }));
    expect(rows).toEqual([
      { lock: 'SHARE', table: 'library_book', risks: ['create-index-not-concurrently'], reader: 'libpg-query', transactional: true },
      { lock: 'SHARE UPDATE EXCLUSIVE', table: 'library_book', risks: [], reader: 'libpg-query', transactional: false },
      { lock: 'ACCESS EXCLUSIVE', table: 'library_book', risks: ['set-not-null'], reader: 'libpg-query', transactional: true },
      { lock: 'ACCESS EXCLUSIVE', table: 'library_book', risks: ['constraint-validates'], reader: 'libpg-query', transactional: true },
      { lock: 'ACCESS EXCLUSIVE', table: 'library_book', risks: [], reader: 'libpg-query', transactional: true },
      { lock: 'SHARE ROW EXCLUSIVE', table: 'library_book', risks: [], reader: 'libpg-query', transactional: true },
      { lock: 'ROW EXCLUSIVE', table: 'library_book', risks: ['write-without-where'], reader: 'libpg-query', transactional: true },
      { lock: 'ROW EXCLUSIVE', table: 'library_book', risks: [], reader: 'libpg-query', transactional: true },
      { lock: 'ACCESS EXCLUSIVE', table: 'old_things', risks: ['drop-table'], reader: 'libpg-query', transactional: true },
      { lock: 'ACCESS EXCLUSIVE', table: 'library_book', risks: ['drop-column'], reader: 'libpg-query', transactional: true },
    ]);
    expect(classifyRunSql(sql, PG)[5]!.locks).toEqual([
      { relation: 'library_book', mode: 'SHARE ROW EXCLUSIVE' },
      { relation: 'shop_author', mode: 'SHARE ROW EXCLUSIVE' },
    ]);
  });

  it('is not fooled by keywords inside strings and comments', () => {
    const rows = classifyRunSql("UPDATE t SET note = 'x WHERE y' -- WHERE z\n;", PG);
    expect(rows.map((r) => r.risks)).toEqual([['write-without-where']]);
  });

  it('falls back to the scanner for text PostgreSQL cannot parse, and for MySQL', () => {
    const bad = classifyRunSql('CREATE INDEX i ON t (c) ALGORITHM=INPLACE', PG);
    expect(bad[0]).toMatchObject({ reader: 'scanner', risks: ['create-index-not-concurrently'] });
    expect(bad[0]!.parseError).toMatch(/syntax error/);
    const mysql = classifyRunSql('DELETE FROM t', { database: 'mysql', version: '8.0' });
    expect(mysql[0]).toMatchObject({ reader: 'scanner', risks: ['write-without-where'], lock: null });
  });
});
