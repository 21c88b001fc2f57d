/**
 * Loads web-tree-sitter and the tree-sitter-python grammar shipped in node_modules, once per
 * thread. Nothing is downloaded: both wasm files are resolved from the installed packages.
 */
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

let ready: Promise<Parser> | null = null;
let parser: Parser | null = null;

/** Idempotent: loads the runtime and the grammar once; later calls return the same promise. */
export function initParser(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      const require = createRequire(import.meta.url);
      await Parser.init();
      const language = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
      const instance = new Parser();
      instance.setLanguage(language);
      parser = instance;
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
  if (!parser) throw new Error('parseMigration() called before initParser() resolved');
  return parser;
}
