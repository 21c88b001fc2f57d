/** `parse <path…>`: what the parser reads from each migration file. */
import { toParseJson } from '../../engine/index.js';
import type { MigrationFile } from '../../engine/index.js';
import { usageError } from '../exit.js';
import { discoverMigrations, readMigrations } from '../files.js';

export interface ParseOptions {
  paths: string[];
  cwd: string;
}

export interface ParseResult {
  files: MigrationFile[];
  /** One JSON Lines record per file. */
  records: object[];
}

export async function parse(options: ParseOptions): Promise<ParseResult> {
  const sources = discoverMigrations(options.paths, { cwd: options.cwd });
  if (sources.length === 0) throw usageError(`no migration files found under ${options.paths.join(', ')}.`, 'pass migration files or a folder holding migrations/ folders.');
  const files = await readMigrations(sources);
  return { files, records: files.map(toParseJson) };
}
