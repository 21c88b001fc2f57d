/** Reading one migration file and parsing it: the step the main thread and the parse workers share. */
import { readFileSync } from 'node:fs';
import { parseMigration } from '../engine/parse/index.js';
import type { MigrationFile } from '../engine/types.js';
import type { MigrationSource } from './sources.js';

/** What a file that cannot be read is reported as; a worker sends it back as plain data. */
export interface ReadFailure {
  path: string;
  /** The errno code (ENOENT, EACCES…) or the error's message. */
  reason: string;
}

export type ReadOutcome = { file: MigrationFile } | { failure: ReadFailure };

/** Needs `initParser()` to have run in this thread. */
export function readAndParse(source: Pick<MigrationSource, 'abs' | 'path' | 'label'>): ReadOutcome {
  let text: string;
  try {
    text = readFileSync(source.abs, 'utf8');
  } catch (error) {
    return { failure: { path: source.path, reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message } };
  }
  return { file: parseMigration(text, { path: source.path, ...(source.label ? { appLabel: source.label } : {}) }) };
}
