import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

const PROJECT = fileURLToPath(new URL('../fixtures/sql/project', import.meta.url));

describe('migrate-help sql', () => {
  it('prints JSON in the documented shape', async () => {
    const run = await runInProcess(['sql', '.', '--database', 'postgresql', '--db-version', '15', '--format', 'json'], { cwd: PROJECT });
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as { migrations: Array<Record<string, unknown> & { operations: Array<Record<string, unknown> & { statements: Array<Record<string, unknown>> }> }> };
    const first = json.migrations[0]!;
    expect(Object.keys(first)).toEqual(['app', 'name', 'file', 'atomic', 'operations']);
    expect(Object.keys(first.operations[0]!)).toEqual(['index', 'type', 'unknown', 'statements']);
    expect(Object.keys(first.operations[0]!.statements[0]!)).toEqual(['sql', 'lock', 'rewrite', 'scan']);
    const addIndex = json.migrations.flatMap((m) => m.operations).find((op) => op['type'] === 'AddIndex')!;
    expect(addIndex.statements).toEqual([{ sql: 'CREATE INDEX "book_pub_price_idx" ON "library_book" ("published", "price" DESC)', lock: 'SHARE', rewrite: false, scan: true }]);
    const concurrent = json.migrations.find((m) => m['name'] === '0007_concurrent')!;
    expect(concurrent['atomic']).toBe(false);
  });

  it('prints text like sqlmigrate with a lock comment per statement', async () => {
    const run = await runInProcess(['sql', '.', '--database', 'mariadb', '--db-version', '10.11'], { cwd: PROJECT });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('-- Add field isbn to book\n--\nALTER TABLE `shop_book` ADD COLUMN `isbn` varchar(13) NULL UNIQUE;\n-- lock: ALGORITHM=INPLACE, LOCK=NONE, rewrite: yes, scan: yes');
    expect(run.stdout).toContain('-- not predicted: RunPython runs Python code');
    expect(run.stdout).not.toContain('BEGIN;');
  });

  it('answers a path without migrations with a usage error', async () => {
    const run = await runInProcess(['sql', 'shop/models_missing'], { cwd: PROJECT });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no such file or folder/);
  });
});
