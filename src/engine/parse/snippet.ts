/**
 * Migration code pasted into a chat: a whole file, a `class Migration` alone, `operations = [...]`
 * / `dependencies = [...]` statements, or bare `migrations.X(...)` calls. Line numbers in the
 * result count from the first line of the code that was read.
 */
import type { MigrationFile } from '../types.js';
import { loadedParser } from './grammar.js';
import { parseMigration } from './migration.js';
import { DJANGO_OPERATIONS, POSTGRES_OPERATIONS } from './signatures.js';

export const SNIPPET_PATH = 'snippet/migrations/snippet.py';

const FENCE = /```[^\n`]*\n([\s\S]*?)```/g;
const CLASS_MIGRATION = /^[ \t]*class[ \t]+Migration\b/m;
const ATTRIBUTE_STATEMENT = /^[ \t]*(?:operations|dependencies|replaces|run_before|initial|atomic)[ \t]*(?:\+?=|:)/m;
const OPERATION_CALL = new RegExp(`(?:\\b(?:migrations|operations)\\.[A-Z]\\w*|\\b(?:${[...Object.keys(DJANGO_OPERATIONS), ...Object.keys(POSTGRES_OPERATIONS)].join('|')}))\\s*\\(`);
const CODE_START = /^[ \t]*(?:from[ \t]|import[ \t]|class[ \t]|def[ \t]|@|#|operations\b|dependencies\b|replaces\b|run_before\b|initial\b|atomic\b|\[|migrations\.|[A-Z]\w*\()/m;

/** Null when the text holds no migration content (no Migration class, operation or dependency). */
export function parseSnippet(text: string, opts?: { path?: string }): MigrationFile | null {
  if (typeof text !== 'string' || text.trim() === '') return null;
  const path = opts?.path ?? SNIPPET_PATH;
  for (const candidate of candidates(text)) {
    const result = readCandidate(dedent(candidate), path);
    if (result) return result;
  }
  return null;
}

function candidates(text: string): string[] {
  const normalised = text.replace(/\r\n?/g, '\n');
  const fenced = [...normalised.matchAll(FENCE)].map((match) => match[1] ?? '');
  if (fenced.length > 0) return fenced;
  // Unfenced: skip leading prose up to the first line that looks like code.
  const start = CODE_START.exec(normalised);
  return [start ? normalised.slice(start.index) : normalised];
}

function readCandidate(code: string, path: string): MigrationFile | null {
  if (CLASS_MIGRATION.test(code)) {
    const file = parseMigration(code, { path });
    if (file.hasMigrationClass) return file;
  }
  if (ATTRIBUTE_STATEMENT.test(code)) {
    const file = parseMigration(code, { path }, { moduleIsClassBody: true });
    if (hasContent(file)) return file;
  }
  if (OPERATION_CALL.test(code)) {
    const trimmed = code.trimStart();
    // Same-line prefix: line numbers stay those of the pasted text.
    const source = trimmed.startsWith('[') ? `operations = ${code}` : `operations = [${separateStatements(code)}\n]`;
    const file = parseMigration(source, { path }, { moduleIsClassBody: true });
    if (hasContent(file)) return file;
  }
  return null;
}

function hasContent(file: MigrationFile): boolean {
  return file.operations.length > 0 || file.dependencies.length > 0 || file.replaces.length > 0 || file.runBefore.length > 0;
}

/** Put a comma after each top-level statement so a run of calls becomes list items. */
function separateStatements(code: string): string {
  let tree = null;
  try {
    tree = loadedParser().parse(code);
    if (!tree) return code;
    const ends: number[] = [];
    for (const stmt of tree.rootNode.namedChildren) {
      if (!stmt || stmt.type === 'comment') continue;
      if (!code.slice(stmt.startIndex, stmt.endIndex).trimEnd().endsWith(',')) ends.push(stmt.endIndex);
    }
    let out = '';
    let last = 0;
    for (const end of ends) {
      out += `${code.slice(last, end)},`;
      last = end;
    }
    return out + code.slice(last);
  } finally {
    tree?.delete();
  }
}

/** Remove the indentation a paste copied from inside a class keeps. */
function dedent(code: string): string {
  const lines = code.split('\n');
  const indentOf = (line: string): number => /^[ \t]*/.exec(line)?.[0].length ?? 0;
  const nonBlank = lines.filter((line) => line.trim() !== '');
  if (nonBlank.length === 0) return code;
  const common = Math.min(...nonBlank.map(indentOf));
  if (common > 0) return lines.map((line) => line.slice(Math.min(common, indentOf(line)))).join('\n');
  // The selection started mid-line: the first line has no indent, the rest keep the class's.
  const first = nonBlank[0] as string;
  const rest = lines.slice(1).filter((line) => line.trim() !== '');
  if (rest.length === 0 || first.trimEnd().endsWith(':')) return code;
  const restIndent = Math.min(...rest.map(indentOf));
  if (restIndent === 0) return code;
  return [lines[0], ...lines.slice(1).map((line) => line.slice(Math.min(restIndent, indentOf(line))))].join('\n');
}
