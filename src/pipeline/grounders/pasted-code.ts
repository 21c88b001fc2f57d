/**
 * Finding migration code in a question: Slack code fences (several per message), unfenced text
 * that is clearly a migration, and `.py` files shared with the question. Each piece is parsed by
 * the engine, then given an app label and name so that pieces of one question form one small
 * graph: a pasted 0002 that depends on `("shop", "0001_initial")` finds the 0001 pasted above it.
 */
import { migrationNameFromPath, parseMigration, parseSnippet } from '../../engine/index.js';
import type { MigrationFile } from '../../engine/index.js';
import type { Question } from '../types.js';

/** Shared files larger than this are not parsed (the pipeline already caps the pasted text itself). */
export const MAX_SHARED_FILE_CHARS = 200_000;
/** More pieces than this in one question are not a review a chat answer can carry. */
export const MAX_PIECES = 12;

export type PieceOrigin = 'pasted' | 'file';

/** One migration found in a question. */
export interface CodePiece {
  origin: PieceOrigin;
  /** What the user would call it: `shop.0002_paid`, `pasted migration 2`, `file 0002_paid.py`. */
  label: string;
  /** Parsed with its final path (`app/migrations/name.py`), so app and name are the graph's. */
  file: MigrationFile;
  /** False when app or name had to be made up (nothing in the question named them). */
  named: boolean;
  /** The text of a complete migration file (a `class Migration` that parses on its own): what "Show the safe version" rewrites. */
  source?: string;
}

export interface DiscoveredCode {
  pieces: CodePiece[];
  /** Sentences about what was not read: huge files, too many pieces. */
  skipped: string[];
}

interface RawPiece {
  origin: PieceOrigin;
  /** The user's file name for shared files. */
  fileName?: string;
  parsed: MigrationFile;
  source?: string;
  app?: string;
  name?: string;
}

const LANGUAGE_TAG = /^(?:python|py|python3|text|txt|diff|shell|bash|sh|console|pycon|sql|)$/i;
/** Lines that mark a whole migration (or an operations list) in unfenced text. */
const MIGRATION_SIGNAL = /^[ \t]*(?:class[ \t]+Migration\b|migrations\.[A-Z]\w*[ \t]*\(|operations[ \t]*=[ \t]*\[|from[ \t]+django\.db[ \t]+import[ \t]+[^\n]*\bmigrations\b)/m;
/** Tracebacks quote source lines (`    migrations.RunPython(forwards),`) that are not a paste of the migration. */
const TRACEBACK = /Traceback \(most recent call last\)|^[ \t]*File "[^"\n]+", line \d+/m;
/** `shop/migrations/0002_paid.py` anywhere in a line (prose before a fence, or a comment in the code). */
const PATH_HINT = /(?:^|[\s`'"(/])([A-Za-z_]\w*)\/migrations\/(\w+)\.py\b/;
/** `0002_paid.py` or `0002_paid` alone. */
const NAME_HINT = /(?:^|[\s`'"(/])(\d{4}_\w+)(?:\.py)?(?!\w)/;
/** A new file inside one fence: a `# shop/migrations/0002_x.py` comment line. */
const FILE_COMMENT = /^[ \t]*#[ \t]*(?:[\w./-]*\/)?\w+\.py[ \t]*$/;
const DJANGO_IMPORT = /^from[ \t]+django\.db[ \t]+import\b/;
const CLASS_LINE = /^[ \t]*class[ \t]+Migration\b/;
const CLASS_ANYWHERE = new RegExp(CLASS_LINE.source, 'm');

interface Fence {
  code: string;
  /** Up to two lines of prose just before the fence, where people name the file. */
  before: string;
}

/** Code fences as Slack sends them: ```` ```python\n…``` ````, ```` ```\n…``` ```` or ```` ```code…``` ````. */
export function extractFences(text: string): Fence[] {
  const fences: Fence[] = [];
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf('```', position);
    if (open === -1) break;
    let start = open + 3;
    const lineEnd = text.indexOf('\n', start);
    const firstLine = text.slice(start, lineEnd === -1 ? text.length : lineEnd);
    // Slack puts code right after the backticks; a lone word there is a language tag.
    if (lineEnd !== -1 && LANGUAGE_TAG.test(firstLine.trim())) start = lineEnd + 1;
    const close = text.indexOf('```', start);
    const end = close === -1 ? text.length : close;
    const before = text.slice(Math.max(0, position), open).split('\n').slice(-3).join('\n');
    fences.push({ code: text.slice(start, end), before });
    position = close === -1 ? text.length : close + 3;
  }
  return fences;
}

/** Split one fence holding several files (a `# 0002_x.py` comment line or a second Django import after a class). */
function splitFiles(code: string): string[] {
  const lines = code.split('\n');
  const parts: string[][] = [[]];
  let sawClass = false;
  for (const line of lines) {
    const current = parts[parts.length - 1] as string[];
    const startsFile = (FILE_COMMENT.test(line) && current.some((l) => l.trim() !== '')) || (DJANGO_IMPORT.test(line) && sawClass);
    if (startsFile && sawClass) {
      parts.push([line]);
      sawClass = false;
      continue;
    }
    current.push(line);
    if (CLASS_LINE.test(line)) sawClass = true;
  }
  return parts.map((part) => part.join('\n')).filter((part) => part.trim() !== '');
}

function hintFrom(text: string): { app?: string; name?: string } {
  const path = PATH_HINT.exec(text);
  if (path) return { app: path[1], name: path[2] };
  const name = NAME_HINT.exec(text);
  return name ? { name: name[1] } : {};
}

/** The first comment line of the code, when it names the file. */
function commentHint(code: string): { app?: string; name?: string } {
  const first = code.split('\n').find((line) => line.trim() !== '');
  return first !== undefined && /^\s*#/.test(first) ? hintFrom(first) : {};
}

function pastedPieces(text: string): RawPiece[] {
  const fences = extractFences(text);
  const candidates: Array<{ code: string; before: string }> =
    fences.length > 0 ? fences.flatMap((fence) => splitFiles(fence.code).map((code, i) => ({ code, before: i === 0 ? fence.before : '' }))) : MIGRATION_SIGNAL.test(text) ? [{ code: text, before: '' }] : [];
  const pieces: RawPiece[] = [];
  for (const candidate of candidates) {
    if (TRACEBACK.test(candidate.code)) continue;
    const parsed = parseSnippet(candidate.code);
    if (!parsed) continue;
    const fromComment = commentHint(candidate.code);
    const hint = fromComment.name ? fromComment : hintFrom(candidate.before);
    const source = wholeFileSource(candidate.code);
    pieces.push({ origin: 'pasted', parsed, ...(source === undefined ? {} : { source }), ...hint });
  }
  return pieces;
}

/** The code as a file of its own, when it is a complete migration that parses (a fix needs the whole file). */
function wholeFileSource(code: string): string | undefined {
  if (!CLASS_ANYWHERE.test(code)) return undefined;
  const text = code.replace(/\r\n?/g, '\n');
  const file = parseMigration(text, { path: 'pasted/migrations/pasted.py' });
  return file.hasMigrationClass && !file.problems.some((problem) => problem.code === 'syntax-error') ? text : undefined;
}

function isPythonName(name: string): boolean {
  return /\.py$/i.test(name);
}

function fileLooksLikeCode(file: { name: string; text: string }): boolean {
  if (isPythonName(file.name)) return true;
  // Slack text snippets often have no extension ("Untitled"); take them when they hold a migration.
  return !/\.\w+$/.test(file.name) && MIGRATION_SIGNAL.test(file.text);
}

function sharedPieces(question: Question, skipped: string[]): RawPiece[] {
  const pieces: RawPiece[] = [];
  for (const shared of question.files ?? []) {
    if (!fileLooksLikeCode(shared)) continue;
    if (shared.text.length > MAX_SHARED_FILE_CHARS) {
      skipped.push(`\`${shared.name}\` is ${Math.round(shared.text.length / 1000)} KB; I check shared files up to ${MAX_SHARED_FILE_CHARS / 1000} KB, so it was not analysed.`);
      continue;
    }
    if (TRACEBACK.test(shared.text) && !CLASS_LINE.test(shared.text)) continue;
    const base = shared.name.replace(/\\/g, '/').split('/').pop() ?? shared.name;
    const name = isPythonName(base) ? migrationNameFromPath(base) : undefined;
    const pathHint = hintFrom(` ${shared.name.replace(/\\/g, '/')}`);
    const whole = parseMigration(shared.text, { path: `uploaded/migrations/${name ?? 'uploaded'}.py` });
    const parsed = whole.hasMigrationClass ? whole : parseSnippet(shared.text);
    if (!parsed) continue;
    pieces.push({ origin: 'file', fileName: shared.name, parsed, ...(whole.hasMigrationClass ? { source: shared.text } : {}), ...(pathHint.app ? { app: pathHint.app } : {}), ...(name && /^\w+$/.test(name) ? { name } : {}) });
  }
  return pieces;
}

function realDependencies(file: MigrationFile): Array<{ app: string; name: string }> {
  return file.dependencies.flatMap((dep) => ('app' in dep ? [{ app: dep.app, name: dep.name }] : []));
}

function migrationNumber(name: string | undefined): number | undefined {
  const match = name === undefined ? null : /^(\d{4})/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * Give every piece an app and a name. Names come from the question (file names, `# path` comments,
 * prose before a fence); otherwise a dependency of a later piece that nothing else provides names
 * the nearest unnamed piece above it, like a 0001 pasted before the 0002 that depends on it.
 */
function linkPieces(raw: RawPiece[]): void {
  const has = (app: string, name: string) => raw.some((piece) => piece.app === app && piece.name === name);
  raw.forEach((piece, index) => {
    for (const dep of realDependencies(piece.parsed)) {
      if (has(dep.app, dep.name)) continue;
      const sameName = raw.find((other) => other !== piece && other.name === dep.name && other.app === undefined);
      if (sameName) {
        sameName.app = dep.app;
        continue;
      }
      for (let before = index - 1; before >= 0; before--) {
        const candidate = raw[before] as RawPiece;
        // A piece that depends on the same migration is a sibling, not that migration.
        const dependsOnIt = realDependencies(candidate.parsed).some((own) => own.app === dep.app && own.name === dep.name);
        if (candidate.app === undefined && candidate.name === undefined && !dependsOnIt) {
          candidate.app = dep.app;
          candidate.name = dep.name;
          break;
        }
      }
    }
  });
  for (const piece of raw) {
    if (piece.app !== undefined) continue;
    const deps = realDependencies(piece.parsed);
    // A migration usually depends on its own app's previous one: the other pasted piece, or number - 1.
    const onPiece = deps.find((dep) => has(dep.app, dep.name));
    const number = migrationNumber(piece.name);
    const previous = number === undefined ? undefined : deps.find((dep) => migrationNumber(dep.name) === number - 1);
    const app = onPiece?.app ?? previous?.app;
    if (app !== undefined) piece.app = app;
  }
}

/** Read every migration in the question (text and shared files), named and ready for one analysis. */
export function discoverCode(question: Question): DiscoveredCode {
  const skipped: string[] = [];
  let raw = [...pastedPieces(question.text), ...sharedPieces(question, skipped)];
  if (raw.length > MAX_PIECES) {
    skipped.push(`The question holds ${raw.length} migrations; I checked the first ${MAX_PIECES}.`);
    raw = raw.slice(0, MAX_PIECES);
  }
  linkPieces(raw);

  const pastedCount = raw.filter((piece) => piece.origin === 'pasted').length;
  const unknownApps = raw.filter((piece) => piece.app === undefined).length;
  const used = new Set<string>();
  let pastedIndex = 0;
  const pieces = raw.map((piece, index): CodePiece => {
    if (piece.origin === 'pasted') pastedIndex++;
    const named = piece.app !== undefined && piece.name !== undefined;
    // Placeholder apps stay apart so unrelated pastes never look like a conflict in one app.
    const app = piece.app ?? (unknownApps > 1 ? `pasted${index + 1}` : 'pasted');
    let name = piece.name ?? (piece.origin === 'file' ? 'uploaded' : 'pasted');
    while (used.has(`${app}.${name}`)) name = `${name}_${index + 1}`;
    used.add(`${app}.${name}`);
    const path = `${app}/migrations/${name}.py`;
    const file: MigrationFile = { ...piece.parsed, path, app, name };
    const label =
      piece.origin === 'file'
        ? `file \`${piece.fileName ?? `${name}.py`}\``
        : named
          ? `\`${app}.${name}\``
          : pastedCount > 1
            ? `pasted migration ${pastedIndex}`
            : 'the pasted migration';
    return { origin: piece.origin, label, file, named, ...(piece.source === undefined ? {} : { source: piece.source }) };
  });
  return { pieces, skipped };
}
