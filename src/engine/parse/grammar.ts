/**
 * Loads web-tree-sitter and the tree-sitter-python grammar shipped in node_modules, once per
 * thread. Nothing is downloaded: both wasm files are resolved from the installed packages. The
 * runtime is imported here, on first use, so a process that never calls `initParser()` (for
 * example `migrate-help --version`) does not load it.
 */
import { createRequire } from 'node:module';
import type { Parser, Tree } from 'web-tree-sitter';
import type { TypeTables } from './walker.js';
import { TreeWalker, typeTables } from './walker.js';

interface Loaded {
  parser: Parser;
  tables: TypeTables;
}

let ready: Promise<void> | null = null;
let loaded: Loaded | null = null;

/** Idempotent: loads the runtime and the grammar once; later calls return the same promise. */
export function initParser(): Promise<void> {
  if (!ready) {
    ready = loadGrammar().then((result) => {
      loaded = result;
    });
    ready.catch(() => {
      // A failed load (missing package) may be retried by a later call.
      ready = null;
    });
  }
  return ready;
}

async function loadGrammar(): Promise<Loaded> {
  const { Language, Parser } = await import('web-tree-sitter');
  await Parser.init();
  const require = createRequire(import.meta.url);
  const language = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
  const parser = new Parser();
  parser.setLanguage(language);
  return { parser, tables: typeTables(language) };
}

/** The loaded parser; throws when `initParser()` has not completed (a programming error, not bad input). */
export function loadedParser(): Parser {
  if (!loaded) throw new Error('parseMigration() called before initParser() resolved');
  return loaded.parser;
}

/** A walker over a fresh cursor of `tree`; `release()` frees the cursor (call it before deleting the tree). */
export function createWalker(tree: Tree): { walker: TreeWalker; release(): void } {
  if (!loaded) throw new Error('parseMigration() called before initParser() resolved');
  const cursor = tree.walk();
  return { walker: new TreeWalker(cursor, loaded.tables), release: () => cursor.delete() };
}
