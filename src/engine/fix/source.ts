/**
 * Reading and editing the original source text: operation and argument spans to text, re-indenting
 * a slice for a new file, and changing one keyword argument of a call (`null=False` → `null=True`)
 * without touching the rest of what the user wrote.
 */
import type { Node } from 'web-tree-sitter';
import { loadedParser } from '../parse/grammar.js';
import type { SourceSpan } from '../types.js';

/** Offsets of each line start, for span (1-based line and column, end exclusive) → text. */
export class SourceText {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }

  offset(line: number, column: number): number {
    return (this.starts[line - 1] ?? this.text.length) + column - 1;
  }

  slice(span: SourceSpan): string {
    return this.text.slice(this.offset(span.line, span.column), this.offset(span.endLine, span.endColumn));
  }

  /** The text of a span as a block whose continuation lines are indented relative to its first line. */
  block(span: SourceSpan): string {
    return dedentContinuation(this.slice(span), span.column - 1);
  }

  /** Lines `from`..`to` (1-based, inclusive). */
  lines(from: number, to: number): string {
    return this.text.slice(this.starts[from - 1] ?? this.text.length, this.starts[to] ?? this.text.length);
  }
}

/** Continuation lines lose the indentation the first line had in its file. */
function dedentContinuation(text: string, indent: number): string {
  const [first, ...rest] = text.split('\n');
  const strip = new RegExp(`^ {0,${indent}}`);
  return [first, ...rest.map((line) => line.replace(strip, ''))].join('\n');
}

/** A multi-line block indented by `spaces` on every line but blank ones. */
export function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : pad + line))
    .join('\n');
}

/** The argument list of the single call `source` holds, parsed as an expression. */
function callArguments(source: string): { node: Node; release: () => void } | null {
  const tree = loadedParser().parse(`(\n${source}\n)`);
  if (!tree) return null;
  const release = () => tree.delete();
  const expression = tree.rootNode.firstNamedChild?.firstNamedChild;
  const call = expression?.type === 'parenthesized_expression' ? expression.firstNamedChild : expression;
  const args = call?.type === 'call' ? call.childForFieldName('arguments') : null;
  if (!args || args.type !== 'argument_list' || tree.rootNode.hasError) {
    release();
    return null;
  }
  return { node: args, release };
}

/** Offset of `source` inside the wrapped text given to the parser. */
const WRAP = 2;

/** The keyword arguments of a call: name → [start, end) of the value in `source`. */
function keywordRanges(args: Node): Map<string, { start: number; end: number; argStart: number; argEnd: number }> {
  const ranges = new Map<string, { start: number; end: number; argStart: number; argEnd: number }>();
  for (const child of args.namedChildren) {
    if (!child || child.type !== 'keyword_argument') continue;
    const name = child.childForFieldName('name');
    const value = child.childForFieldName('value');
    if (!name || !value) continue;
    ranges.set(name.text, { start: value.startIndex - WRAP, end: value.endIndex - WRAP, argStart: child.startIndex - WRAP, argEnd: child.endIndex - WRAP });
  }
  return ranges;
}

/** The source of one keyword argument's value, or undefined when the call does not pass it by keyword. */
export function keywordSource(callSource: string, name: string): string | undefined {
  const parsed = callArguments(callSource);
  if (!parsed) return undefined;
  try {
    const range = keywordRanges(parsed.node).get(name);
    return range ? callSource.slice(range.start, range.end) : undefined;
  } finally {
    parsed.release();
  }
}

/**
 * `callSource` with keyword arguments set (value source) or removed (null). A new argument goes last.
 * Null when the text is not a single call (the caller then has no safe edit to offer).
 */
export function withKeywords(callSource: string, changes: Readonly<Record<string, string | null>>): string | null {
  const parsed = callArguments(callSource);
  if (!parsed) return null;
  try {
    const ranges = keywordRanges(parsed.node);
    const closing = parsed.node.endIndex - WRAP - 1;
    const edits: Array<{ start: number; end: number; text: string }> = [];
    const added: string[] = [];
    for (const [name, value] of Object.entries(changes)) {
      const range = ranges.get(name);
      if (range && value !== null) edits.push({ start: range.start, end: range.end, text: value });
      else if (range) edits.push(removal(callSource, range.argStart, range.argEnd));
      else if (value !== null) added.push(`${name}=${value}`);
    }
    if (added.length > 0) edits.push(addition(callSource, closing, added, parsed.node.namedChildCount > 0));
    return applyEdits(callSource, edits);
  } finally {
    parsed.release();
  }
}

/** Remove an argument with the comma (and spaces) after it, or before it when it is the last one. */
function removal(source: string, start: number, end: number): { start: number; end: number; text: string } {
  const after = /^\s*,[ \t]*/.exec(source.slice(end));
  if (after) return { start, end: end + after[0].length, text: '' };
  const before = /,\s*$/.exec(source.slice(0, start));
  return { start: before ? start - before[0].length : start, end, text: '' };
}

/** New arguments before the closing parenthesis: on their own lines when the call ends with a comma and a newline. */
function addition(source: string, closing: number, args: readonly string[], hasArgs: boolean): { start: number; end: number; text: string } {
  const head = source.slice(0, closing);
  const comma = /,(\s*)$/.exec(head);
  if (comma && comma[1]!.includes('\n')) {
    const at = head.length - comma[0].length + 1;
    const lineStart = head.lastIndexOf('\n', at - 1) + 1;
    const pad = /^[ \t]*/.exec(head.slice(lineStart))?.[0] ?? '';
    return { start: at, end: at, text: args.map((arg) => `\n${pad}${arg},`).join('') };
  }
  if (comma) return { start: closing, end: closing, text: args.join(', ') };
  const end = head.replace(/\s+$/, '').length;
  return { start: end, end, text: `${hasArgs ? ', ' : ''}${args.join(', ')}` };
}

function applyEdits(source: string, edits: Array<{ start: number; end: number; text: string }>): string {
  let out = source;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/** A Python string literal for `text`, in the quotes Django's writer would pick. */
export function pyString(text: string): string {
  const quote = text.includes('"') && !text.includes("'") ? "'" : '"';
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(new RegExp(quote, 'g'), `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}
