/** The fixture project's migrations, parsed, and Django's sqlmigrate output split per operation. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { initParser, parseMigration } from '../../../src/engine/parse/index.js';
import type { MigrationFile } from '../../../src/engine/types.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/sql');
const MIGRATIONS = join(FIXTURES, 'project/shop/migrations');

export async function fixtureMigrations(): Promise<MigrationFile[]> {
  await initParser();
  return readdirSync(MIGRATIONS)
    .filter((name) => /^\d{4}_.*\.py$/.test(name))
    .sort()
    .map((name) => parseMigration(readFileSync(join(MIGRATIONS, name), 'utf8'), { path: `shop/migrations/${name}`, appLabel: 'shop' }));
}

export interface ExpectedMigration {
  error: string | null;
  /** Statements per operation in file order (the comment blocks sqlmigrate prints). */
  operations: string[][];
  /** Statements after the last operation's block: Django's deferred SQL (sqlmigrate prints it last). */
  all: string[];
  transaction: boolean;
}

/** Collapse whitespace; split on `;` ending a statement (the fixtures have none inside literals). */
export function normalise(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)|;\s+(?=SET CONSTRAINTS|ALTER TABLE)/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.length > 0);
}

export function expected(vendor: string, migration: string): ExpectedMigration {
  const text = readFileSync(join(FIXTURES, 'expected', vendor, `shop.${migration}.sql`), 'utf8');
  const error = /^-- ERROR: (.*)$/m.exec(text)?.[1] ?? null;
  const blocks: string[] = [];
  let current: string[] | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '--' && lines[i + 2] === '--') {
      if (current) blocks.push(current.join('\n'));
      current = [];
      i += 2;
      continue;
    }
    if (line.startsWith('--') || line === 'BEGIN;' || line === 'COMMIT;') continue;
    current?.push(line);
  }
  if (current) blocks.push(current.join('\n'));
  const operations = blocks.map(normalise);
  return { error, operations, all: operations.flat(), transaction: /^BEGIN;$/m.test(text) };
}
