/**
 * Turns tree-sitter nodes into PyValue with a TreeCursor: no Node objects are built for the
 * (many) nodes inside operation lists, and each node costs as few calls into the wasm runtime as
 * possible (type and offsets; lines and columns come from a line table built here).
 */
import type { Node } from 'web-tree-sitter';
import type { PyValue, SourceSpan } from '../types.js';
import { decodeFloat, decodeInteger, decodeStringToken, dottedPath } from './literals.js';
import type { TreeWalker } from './walker.js';

/** Where each argument of one call sits: the span of its value (without `name=`). */
export interface ArgumentSpans {
  positional: SourceSpan[];
  keyword: Record<string, SourceSpan>;
}

/** Values nested deeper than this are kept as text (guards the JS stack on hostile input). */
const MAX_DEPTH = 120;

/** Offsets (UTF-16 code units, as tree-sitter reports them) → 1-based lines and columns. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(source: string) {
    // tree-sitter advances rows on '\n' only, so CRLF files count the same way.
    for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) this.starts.push(at + 1);
  }

  line(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  column(offset: number, line: number): number {
    return offset - (this.starts[line - 1] as number) + 1;
  }

  /** The span from offset `start` to offset `end` (exclusive). */
  span(start: number, end: number): SourceSpan {
    const line = this.line(start);
    const endLine = this.line(end);
    return { line, column: this.column(start, line), endLine, endColumn: this.column(end, endLine) };
  }
}

export class ValueReader {
  /** Full span of every call read, for operations (span, suppression lines). */
  readonly callSpans = new Map<PyValue, SourceSpan>();
  readonly argumentSpans = new Map<PyValue, ArgumentSpans>();
  /** Start offset of strings, names and containers (scalars and calls carry or need none). */
  private readonly offsets = new Map<PyValue, number>();
  readonly lineIndex: LineIndex;

  constructor(
    private readonly walker: TreeWalker,
    readonly source: string,
  ) {
    this.lineIndex = new LineIndex(source);
  }

  /** Read the value of a node (the shared walker enters it). */
  read(node: Node): PyValue {
    const w = this.walker;
    w.enter(node);
    return this.readCurrent(0, w.typeId());
  }

  text(node: Node): string {
    return this.source.slice(node.startIndex, node.endIndex);
  }

  /** Line where a string, name or container value starts, when it was read from the source. */
  lineOf(value: PyValue): number | undefined {
    const offset = this.offsets.get(value);
    return offset === undefined ? undefined : this.lineIndex.line(offset);
  }

  private expr(start: number, end: number): PyValue {
    return { kind: 'expr', text: this.source.slice(start, end), line: this.lineIndex.line(start) };
  }

  /** Read the node under the walker (of the given type id); the walker is back on it afterwards. */
  private readCurrent(depth: number, typeId: number): PyValue {
    const w = this.walker;
    const start = w.start();
    if (depth > MAX_DEPTH) return this.expr(start, w.end());
    const type = w.names[typeId] as string;
    switch (type) {
      case 'string':
        return this.readString(start);
      case 'concatenated_string':
        return this.readConcatenated(start);
      case 'integer':
      case 'float':
        return this.readNumber(start, type);
      case 'true':
        return { kind: 'bool', value: true };
      case 'false':
        return { kind: 'bool', value: false };
      case 'none':
        return { kind: 'none' };
      case 'identifier':
      case 'attribute':
        return this.readName(start);
      case 'list':
      case 'tuple':
      case 'set':
        return this.readSequence(depth, start, type);
      case 'parenthesized_expression':
        return this.firstValueChild(depth) ?? this.expr(start, w.end());
      case 'dictionary':
        return this.readDictionary(depth, start);
      case 'call':
        return this.readCall(depth, start);
      case 'lambda':
        return this.readLambda(start);
      case 'unary_operator':
        return this.readUnary(depth, start);
      default:
        return this.expr(start, w.end());
    }
  }

  private readString(start: number): PyValue {
    const end = this.walker.end();
    const decoded = decodeStringToken(this.source.slice(start, end));
    if (!decoded || decoded.formatted) return this.expr(start, end);
    const value: PyValue = { kind: decoded.bytes ? 'bytes' : 'str', value: decoded.value };
    this.offsets.set(value, start);
    return value;
  }

  private readNumber(start: number, type: 'integer' | 'float'): PyValue {
    const end = this.walker.end();
    const text = this.source.slice(start, end);
    const value = type === 'integer' ? decodeInteger(text) : decodeFloat(text);
    if (value === null) return this.expr(start, end);
    return { kind: type === 'integer' ? 'int' : 'float', value, text };
  }

  private readName(start: number): PyValue {
    const end = this.walker.end();
    const path = dottedPath(this.source.slice(start, end));
    if (path === null) return this.expr(start, end);
    const value: PyValue = { kind: 'name', path };
    this.offsets.set(value, start);
    return value;
  }

  private readSequence(depth: number, start: number, kind: 'list' | 'tuple' | 'set'): PyValue {
    const w = this.walker;
    const items: PyValue[] = [];
    if (w.firstChild()) {
      do {
        const child = w.typeId();
        if (w.valueChild[child] === 1) items.push(this.readCurrent(depth + 1, child));
      } while (w.nextSibling());
      w.parent();
    }
    const value: PyValue = { kind, items };
    this.offsets.set(value, start);
    return value;
  }

  /** The value of the first child that holds one (inside parentheses), or null. */
  private firstValueChild(depth: number): PyValue | null {
    const w = this.walker;
    let inner: PyValue | null = null;
    if (w.firstChild()) {
      do {
        const child = w.typeId();
        if (w.valueChild[child] === 1) {
          inner = this.readCurrent(depth + 1, child);
          break;
        }
      } while (w.nextSibling());
      w.parent();
    }
    return inner;
  }

  /** `-1`, `+2.5` are numbers; any other unary expression stays text. */
  private readUnary(depth: number, start: number): PyValue {
    const w = this.walker;
    const end = w.end();
    let operand: PyValue | null = null;
    if (w.firstChild()) {
      do {
        const child = w.typeId();
        if (w.valueChild[child] === 1) operand = this.readCurrent(depth + 1, child);
      } while (w.nextSibling());
      w.parent();
    }
    const value = operand as PyValue | null;
    if (value && (value.kind === 'int' || value.kind === 'float')) {
      const sign = this.source.slice(start, end).trimStart()[0];
      if (sign === '-') return { kind: value.kind, value: -value.value, text: `-${value.text}` };
      if (sign === '+') return value;
    }
    return this.expr(start, end);
  }

  private readConcatenated(start: number): PyValue {
    const w = this.walker;
    let joined = '';
    let bytes = false;
    let dynamic = false;
    let count = 0;
    if (w.firstChild()) {
      do {
        if (w.type() !== 'string') continue;
        const decoded = decodeStringToken(this.source.slice(w.start(), w.end()));
        if (!decoded || decoded.formatted) dynamic = true;
        else {
          if (count > 0 && decoded.bytes !== bytes) dynamic = true;
          bytes = decoded.bytes;
          joined += decoded.value;
        }
        count++;
      } while (w.nextSibling());
      w.parent();
    }
    if (dynamic) return this.expr(start, w.end());
    const value: PyValue = { kind: bytes ? 'bytes' : 'str', value: joined };
    this.offsets.set(value, start);
    return value;
  }

  private readDictionary(depth: number, start: number): PyValue {
    const w = this.walker;
    const entries: Array<{ key: PyValue; value: PyValue }> = [];
    let dynamic = false;
    if (w.firstChild()) {
      do {
        const childId = w.typeId();
        if (w.valueChild[childId] !== 1) continue;
        if (w.names[childId] !== 'pair') {
          dynamic = true;
          continue;
        }
        let key: PyValue | null = null;
        let value: PyValue | null = null;
        if (w.firstChild()) {
          do {
            const partId = w.typeId();
            if (w.valueChild[partId] !== 1) continue;
            if (key === null) key = this.readCurrent(depth + 1, partId);
            else if (value === null) value = this.readCurrent(depth + 1, partId);
          } while (w.nextSibling());
          w.parent();
        }
        if (key && value) entries.push({ key, value });
        else dynamic = true;
      } while (w.nextSibling());
      w.parent();
    }
    if (dynamic) return this.expr(start, w.end());
    const result: PyValue = { kind: 'dict', entries };
    this.offsets.set(result, start);
    return result;
  }

  private readCall(depth: number, start: number): PyValue {
    const w = this.walker;
    const end = w.end();
    let callee = '';
    const args: PyValue[] = [];
    const kwargs: Record<string, PyValue> = {};
    const spans: ArgumentSpans = { positional: [], keyword: {} };
    if (w.firstChild()) {
      const calleeText = this.source.slice(start, w.end());
      callee = dottedPath(calleeText) ?? calleeText;
      while (w.nextSibling()) {
        const type = w.type();
        if (type === 'argument_list') this.readArguments(depth, args, kwargs, spans);
        else if (type === 'generator_expression') {
          spans.positional.push(this.lineIndex.span(w.start(), w.end()));
          args.push(this.expr(w.start(), w.end()));
        }
      }
      w.parent();
    }
    const line = this.lineIndex.line(start);
    const value: PyValue = { kind: 'call', callee, args, kwargs, line };
    this.callSpans.set(value, this.lineIndex.span(start, end));
    this.argumentSpans.set(value, spans);
    return value;
  }

  private readArguments(depth: number, args: PyValue[], kwargs: Record<string, PyValue>, spans: ArgumentSpans): void {
    const w = this.walker;
    if (!w.firstChild()) return;
    do {
      const typeId = w.typeId();
      if (w.valueChild[typeId] !== 1) continue;
      if (w.names[typeId] === 'keyword_argument') this.readKeywordArgument(depth, kwargs, spans);
      else {
        // `*args` / `**kwargs` stay as expressions among the positional arguments.
        spans.positional.push(this.lineIndex.span(w.start(), w.end()));
        args.push(this.readCurrent(depth + 1, typeId));
      }
    } while (w.nextSibling());
    w.parent();
  }

  /** `name=value` under the walker: its name, then its value. */
  private readKeywordArgument(depth: number, kwargs: Record<string, PyValue>, spans: ArgumentSpans): void {
    const w = this.walker;
    let name: string | null = null;
    let value: PyValue | null = null;
    let span: SourceSpan | null = null;
    if (w.firstChild()) {
      do {
        const partId = w.typeId();
        if (w.valueChild[partId] !== 1) continue;
        if (name === null) name = this.source.slice(w.start(), w.end());
        else if (value === null) {
          span = this.lineIndex.span(w.start(), w.end());
          value = this.readCurrent(depth + 1, partId);
        }
      } while (w.nextSibling());
      w.parent();
    }
    if (name !== null && value !== null && span !== null) {
      setOwn(kwargs, name, value);
      setOwn(spans.keyword, name, span);
    }
  }

  private readLambda(start: number): PyValue {
    const w = this.walker;
    const text = this.source.slice(start, w.end());
    const params: string[] = [];
    if (w.firstChild()) {
      do {
        if (w.type() !== 'lambda_parameters' || !w.firstChild()) continue;
        do {
          if (w.valueChild[w.typeId()] !== 1) continue;
          const param = /[\p{L}_][\p{L}\p{N}_]*/u.exec(this.source.slice(w.start(), w.end()));
          if (param) params.push(param[0]);
        } while (w.nextSibling());
        w.parent();
      } while (w.nextSibling());
      w.parent();
    }
    return { kind: 'lambda', text, params, line: this.lineIndex.line(start) };
  }
}

/** Assign without letting a Python keyword named `__proto__` change the object's prototype. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
