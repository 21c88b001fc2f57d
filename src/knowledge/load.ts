/**
 * Loads the knowledge index at start-up: the engine's recipes and playbooks plus the guides in
 * knowledge/*.md (read here, at the edge; the index itself is built by the pure engine module).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildKnowledgeIndex, engineDocuments, parseGuide } from '../engine/knowledge/index.js';
import type { KnowledgeDoc, KnowledgeIndex } from '../engine/knowledge/index.js';
import { AppError } from '../errors.js';
import { PACKAGE_ROOT, packagePath } from '../package-files.js';

/** The guides folder of the installed package (shipped with it, see "files" in package.json). */
export const DEFAULT_KNOWLEDGE_DIR = packagePath('knowledge');

export function loadGuides(dir: string = DEFAULT_KNOWLEDGE_DIR): KnowledgeDoc[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.md')).sort();
  } catch (error) {
    throw new AppError('config_invalid', `The knowledge folder ${dir} could not be read; it ships with migrate-help, so reinstall or restore it.`, { cause: error });
  }
  return names.map((name) => {
    const path = join(dir, name);
    const shown = relative(PACKAGE_ROOT, path).split('\\').join('/');
    try {
      return parseGuide(shown.startsWith('..') ? path : shown, readFileSync(path, 'utf8'));
    } catch (error) {
      throw new AppError('config_invalid', (error as Error).message, { cause: error });
    }
  });
}

export function loadKnowledgeIndex(dir: string = DEFAULT_KNOWLEDGE_DIR): KnowledgeIndex {
  return buildKnowledgeIndex([...engineDocuments(), ...loadGuides(dir)]);
}

let shared: KnowledgeIndex | undefined;

/** The index of the shipped guides, built once per process (every replica builds its own: it is read-only). */
export function knowledgeIndex(): KnowledgeIndex {
  shared ??= loadKnowledgeIndex();
  return shared;
}
