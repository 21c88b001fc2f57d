/** State shared by the pieces that read one file. */
import type { ParseProblem, PyValue, SourceSpan } from '../types.js';
import type { ArgumentSpans, LineIndex } from './reader.js';

/** Where the values a reader produced came from in the source. */
export interface ValueSpans {
  /** Full span of every call read, for operations (span, suppression lines). */
  readonly callSpans: Map<PyValue, SourceSpan>;
  /** The arguments of every call read, for `Operation.argSpans`. */
  readonly argumentSpans: Map<PyValue, ArgumentSpans>;
  readonly lineIndex: LineIndex;
  /** Line where a string, name or container value starts, when it was read from the source. */
  lineOf(value: PyValue): number | undefined;
}

export interface FileContext {
  reader: ValueSpans;
  /** Module-level `NAME = <value>` assignments, to resolve SQL constants and shared lists. */
  constants: Map<string, PyValue>;
  /** Module-level function names (RunPython callables defined in the file). */
  functionNames: Set<string>;
  /** Module-level class names (custom Operation subclasses). */
  classNames: Set<string>;
  /** Imported name → the dotted path it stands for (`migrations` → `django.db.migrations`). */
  bindings: Map<string, string>;
  problems: ParseProblem[];
  /** The class-body branches being read, outermost first (`if`/`elif`/`else` blocks). */
  branches: Branch[];
  /** The next number for an `if` statement or conditional expression (`Branch.chain`). */
  nextChain: number;
}

/** One branch of an `if` chain or conditional expression, with the source text of when it is taken. */
export interface Branch {
  chain: number;
  branch: number;
  text: string;
}

export function addProblem(ctx: FileContext, code: string, message: string, line: number): void {
  // Hostile input can repeat one mistake thousands of times; a few lines say enough.
  if (ctx.problems.length >= 200) return;
  ctx.problems.push({ code, message, line });
}

/** Follow module-level names (`SQL = "…"`, `OPS = [...]`) a few levels. */
export function resolveConstant(ctx: FileContext, value: PyValue): PyValue {
  let current = value;
  for (let hops = 0; hops < 5 && current.kind === 'name' && !current.path.includes('.'); hops++) {
    const target = ctx.constants.get(current.path);
    if (!target) break;
    current = target;
  }
  return current;
}

/** Dotted callee resolved through the file's imports: `AddField` → `django.db.migrations.AddField`. */
export function resolveImportedPath(ctx: FileContext, path: string): string {
  const dot = path.indexOf('.');
  const root = dot === -1 ? path : path.slice(0, dot);
  const bound = ctx.bindings.get(root);
  if (bound === undefined) return path;
  return dot === -1 ? bound : `${bound}${path.slice(dot)}`;
}

export function lineOf(ctx: FileContext, value: PyValue, fallback: number): number {
  if (value.kind === 'call' || value.kind === 'expr' || value.kind === 'lambda') return value.line;
  return ctx.reader.lineOf(value) ?? fallback;
}
