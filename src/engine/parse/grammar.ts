/**
 * Loads web-tree-sitter and the tree-sitter-python grammar shipped in node_modules, once per
 * thread. Nothing is downloaded: both wasm files are resolved from the installed packages.
 */
import { createRequire } from 'node:module';
import type { Tree, TreeCursor } from 'web-tree-sitter';
import { Language, Parser } from 'web-tree-sitter';
import type { CursorExports, TypeTables } from './walker.js';
import { TreeWalker, cursorExports, typeTables } from './walker.js';

/**
 * web-tree-sitter fills the object given to `Parser.init` with its Emscripten module (exports
 * and heap views); only the first call in a process counts. The object is kept in the global
 * symbol registry because this file may be evaluated more than once per process (test runners
 * isolate modules) while web-tree-sitter itself is loaded once.
 */
const MODULE_KEY = Symbol.for('migrate-help.web-tree-sitter-module');

interface Loaded {
  parser: Parser;
  tables: TypeTables;
  /** Null when the fast walker is not usable (then the public TreeCursor API is used). */
  exports: CursorExports | null;
  transferBuffer: number;
}

let ready: Promise<Parser> | null = null;
let loaded: Loaded | null = null;
/** For tests: force the public-API walker. */
let publicWalkerOnly = false;

/** Idempotent: loads the runtime and the grammar once; later calls return the same promise. */
export function initParser(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      const require = createRequire(import.meta.url);
      const registry = globalThis as unknown as Record<symbol, object | undefined>;
      const moduleObject = registry[MODULE_KEY] ?? {};
      await Parser.init(moduleObject);
      if (cursorExports(moduleObject)) registry[MODULE_KEY] = moduleObject;
      const language = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
      const instance = new Parser();
      instance.setLanguage(language);
      const tables = typeTables(language);
      const exports = cursorExports(moduleObject);
      const candidate: Loaded = { parser: instance, tables, exports, transferBuffer: exports ? exports._ts_init() : 0 };
      if (exports && !fastWalkerAgrees(candidate)) candidate.exports = null;
      loaded = candidate;
      return instance;
    })();
    ready.catch(() => {
      // A failed load (missing package) may be retried by a later call.
      ready = null;
    });
  }
  return ready.then(() => undefined);
}

/** The loaded parser; throws when `initParser()` has not completed (a programming error, not bad input). */
export function loadedParser(): Parser {
  if (!loaded) throw new Error('parseMigration() called before initParser() resolved');
  return loaded.parser;
}

/** A walker for `cursor` (a cursor of `tree`); fast unless the self-test failed or tests forced the public API. */
export function createWalker(tree: Tree, cursor: TreeCursor): TreeWalker {
  if (!loaded) throw new Error('parseMigration() called before initParser() resolved');
  const exports = publicWalkerOnly ? null : loaded.exports;
  return new TreeWalker(cursor, tree, loaded.tables, exports, loaded.transferBuffer);
}

/** Whether the fast walker is in use (reported by benchmarks; tests compare both walkers). */
export function fastWalkerActive(): boolean {
  return loaded !== null && loaded.exports !== null && !publicWalkerOnly;
}

/** @internal Tests: read with the public TreeCursor API only (true) or the fast walker when available (false). */
export function usePublicWalkerOnly(value: boolean): void {
  publicWalkerOnly = value;
}

const SELF_TEST_SOURCE = 'class Migration(migrations.Migration):\n    ops = [f(a=1, b="x"), (1, 2.5), {"k": [None]}, lambda x: x]\n    if (:\n        pass\n';

/** Walk a small tree with both walkers, including a re-entry after leave(); any difference disables the fast one. */
function fastWalkerAgrees(candidate: Loaded): boolean {
  const outline = (exports: CursorExports | null): string => {
    const tree = candidate.parser.parse(SELF_TEST_SOURCE);
    if (!tree) return '';
    const cursor = tree.walk();
    try {
      const walker = new TreeWalker(cursor, tree, candidate.tables, exports, candidate.transferBuffer);
      const parts: string[] = [];
      for (const pass of [0, 1]) {
        walker.enter(tree.rootNode);
        let depth = 0;
        for (;;) {
          parts.push(`${pass}:${depth}:${walker.type()}:${exports ? walker.named[walker.typeId()] : cursor.nodeIsNamed ? 1 : 0}:${walker.start()}-${walker.end()}`);
          if (walker.firstChild()) {
            depth++;
            continue;
          }
          while (depth > 0 && !walker.nextSibling()) {
            walker.parent();
            depth--;
          }
          if (depth === 0) break;
        }
        walker.leave();
      }
      // The TreeCursor object must still work after the walker handed it back.
      cursor.gotoFirstChild();
      parts.push(`${cursor.nodeType}:${cursor.startIndex}`);
      return parts.join('\n');
    } finally {
      cursor.delete();
      tree.delete();
    }
  };
  try {
    const expected = outline(null);
    return expected !== '' && outline(candidate.exports) === expected;
  } catch {
    return false;
  }
}
