/**
 * The migration file parser: Django migration source → MigrationFile, without Django.
 * `initParser()` must resolve once before the synchronous functions are called.
 */
export { initParser } from './grammar.js';
import type { MigrationFile } from '../types.js';
import type { ParseOptions } from './migration.js';
import { parseMigration as readMigration } from './migration.js';

export { MAX_SOURCE_BYTES } from './migration.js';
export type { ParseOptions } from './migration.js';

/** Synchronous after `initParser()`; never throws: whatever it cannot read becomes a `problems` entry. */
export function parseMigration(source: string, opts: ParseOptions): MigrationFile {
  return readMigration(source, opts);
}
export { appLabelFromPath, migrationNameFromPath } from './paths.js';
export { parseAppConfigLabel } from './apps-config.js';
export { parseSnippet, SNIPPET_PATH } from './snippet.js';
export { toParseJson, valueJson } from './json.js';
