/**
 * A Python tokenizer for the literal reader (`literal-module.ts`, `function-scan.ts`): names, numbers, strings,
 * punctuation and logical-line ends, with the comments' offsets on the side.
 *
 * It is strict on purpose. Anything a generated migration does not contain (tabs or form feeds
 * in indentation, non-ASCII names, t-strings, a lone CR, unbalanced brackets) makes
 * it give up, and the file is read by the tree-sitter path instead; the tokenizer never has to
 * decide what such text means.
 */

export const enum Tok {
  Name = 1,
  Number = 2,
  String = 3,
  /** A one-character operator or bracket; `op` holds its char code. */
  Op = 4,
  /** `==`, `+=`, `<=`, `->` and the like: never a statement's `=`. */
  OtherOp = 5,
  /** End of a logical line (depth 0). */
  Newline = 6,
  End = 7,
}

/**
 * Thrown when the text is outside what the literal reader handles; caught by its caller. Not an
 * Error on purpose: it is control flow, and an Error's stack trace (mapped through source maps
 * under tsx) costs more than reading the file.
 */
export class GiveUp {
  constructor(readonly reason: string) {}
}

export interface Tokens {
  count: number;
  kind: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** Char code for `Tok.Op`; for `Tok.String`, 1 when it is an f-string with a field that is more than a dotted name. */
  op: Uint16Array;
  /** Indentation (columns of spaces) of the logical line a token starts; -1 when not first on its line. */
  indent: Int32Array;
  /** Comment ranges, sorted: start offsets of `#` and the offset where each comment ends. */
  commentStarts: number[];
  commentEnds: number[];
}

let shared: Tokens | null = null;
const MAX_SHARED_CAPACITY = 1 << 20;
const MAX_NESTING = 100;
const LONE_CR = /\r(?!\n)/;
/** Set by scanString when an f-string field holds more than `name.attr!r:spec`. */
let fieldsNeedChecking = false;

/** Python's hard keywords: never names. */
export const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try',
  'while', 'with', 'yield',
]);

/** A field the reader can vouch for without parsing it: a dotted name, a conversion, a plain format spec. */
const SIMPLE_FIELD = /^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:![rsa])?(?::[^{}'"\\\n\r]*)?$/;

function allocate(capacity: number): Tokens {
  return {
    count: 0,
    kind: new Uint8Array(capacity),
    start: new Int32Array(capacity),
    end: new Int32Array(capacity),
    op: new Uint16Array(capacity),
    indent: new Int32Array(capacity),
    commentStarts: [],
    commentEnds: [],
  };
}

/** Character codes the lexer and the readers compare against. */
export const enum C {
  Tab = 9,
  LF = 10,
  FF = 12,
  CR = 13,
  Space = 32,
  Bang = 33,
  DoubleQuote = 34,
  Hash = 35,
  Percent = 37,
  Amp = 38,
  Quote = 39,
  LParen = 40,
  RParen = 41,
  Star = 42,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  Semicolon = 59,
  Less = 60,
  Equals = 61,
  Greater = 62,
  At = 64,
  A = 65,
  Z = 90,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  Caret = 94,
  Underscore = 95,
  a = 97,
  z = 122,
  LBrace = 123,
  Pipe = 124,
  RBrace = 125,
  Tilde = 126,
}

function isNameStart(c: number): boolean {
  return (c >= C.a && c <= C.z) || (c >= C.A && c <= C.Z) || c === C.Underscore;
}

function isNamePart(c: number): boolean {
  return isNameStart(c) || (c >= C.Zero && c <= C.Nine);
}

const enum Prefix {
  None = 0,
  Plain = 1,
  Formatted = 2,
}

/** Letters Python allows before a quote: r, u, b, br, rb, and f, fr, rf (formatted); any case. */
function stringPrefix(source: string, start: number, end: number): Prefix {
  const length = end - start;
  const r = 0x72;
  const f = 0x66;
  if (length === 1) {
    const c = source.charCodeAt(start) | 0x20;
    if (c === r || c === 0x75 || c === 0x62) return Prefix.Plain; // r u b
    return c === f ? Prefix.Formatted : Prefix.None;
  }
  if (length === 2) {
    const x = source.charCodeAt(start) | 0x20;
    const y = source.charCodeAt(start + 1) | 0x20;
    if ((x === 0x62 && y === r) || (x === r && y === 0x62)) return Prefix.Plain;
    if ((x === f && y === r) || (x === r && y === f)) return Prefix.Formatted;
  }
  return Prefix.None;
}

/**
 * Tokenize `source`. The returned object is reused by the next call (one file is read at a
 * time per thread), so callers must finish with it first.
 */
export function tokenize(source: string): Tokens {
  // A CR that ends no CRLF is a line break to tree-sitter (even in a comment); leave such files to it.
  if (LONE_CR.test(source)) throw new GiveUp('a carriage return without a line feed');
  // A token needs at least one character, plus one newline per line and the end marker.
  const scanner = new Scanner(source, tokenBuffers(source.length + 2));
  scanner.scanAll();
  return scanner.finish();
}

/** Token arrays with room for `capacity` tokens, reused between files. */
function tokenBuffers(capacity: number): Tokens {
  if (shared && shared.kind.length >= capacity) return shared;
  const t = allocate(Math.max(capacity, 1 << 16));
  // Kept for the next file unless it is huge: a one-off paste of many megabytes must not pin its arrays.
  if (capacity <= MAX_SHARED_CAPACITY) shared = t;
  return t;
}

/** One pass over the source, one step per kind of token. */
class Scanner {
  private readonly kind: Uint8Array;
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  private readonly op: Uint16Array;
  private readonly indent: Int32Array;
  private readonly commentStarts: number[] = [];
  private readonly commentEnds: number[] = [];
  private count = 0;
  private depth = 0;
  private pos = 0;
  /** Offset where the current physical line starts. */
  private lineStart = 0;
  /** Whether a token already began this logical line. */
  private lineHasToken = false;
  /** Whether a backslash continued the line before its first token. */
  private continued = false;

  constructor(
    private readonly source: string,
    private readonly t: Tokens,
  ) {
    this.kind = t.kind;
    this.start = t.start;
    this.end = t.end;
    this.op = t.op;
    this.indent = t.indent;
  }

  scanAll(): void {
    const source = this.source;
    const length = source.length;
    while (this.pos < length) {
      const c = source.charCodeAt(this.pos);
      if (c === C.Space) this.pos++;
      else if (c === C.LF) this.lineFeed();
      else if (c === C.CR) this.carriageReturn();
      else if (c === C.Hash) this.comment();
      else if (c === C.Backslash) this.continuation();
      else if (isNameStart(c)) this.nameOrPrefixedString();
      else if (c === C.Quote || c === C.DoubleQuote) this.string(this.pos, this.pos, false);
      else if ((c >= C.Zero && c <= C.Nine) || (c === C.Dot && isDigit(source.charCodeAt(this.pos + 1)))) this.number();
      else this.operator(c);
    }
    if (this.depth !== 0) throw new GiveUp('an unclosed bracket');
  }

  /** The last logical line's end and the end marker; the arrays are handed out. */
  finish(): Tokens {
    const length = this.source.length;
    if (this.lineHasToken) this.marker(Tok.Newline, length, -1);
    this.marker(Tok.End, length, 0);
    const t = this.t;
    t.count = this.count - 1;
    t.commentStarts = this.commentStarts;
    t.commentEnds = this.commentEnds;
    return t;
  }

  private push(k: Tok, s: number, e: number, code: number): void {
    const count = this.count;
    this.kind[count] = k;
    this.start[count] = s;
    this.end[count] = e;
    this.op[count] = code;
    if (!this.lineHasToken) {
      if (this.continued) throw new GiveUp('backslash continuation before the first token of a line');
      this.indent[count] = s - this.lineStart;
      this.lineHasToken = true;
    } else this.indent[count] = -1;
    this.count = count + 1;
  }

  /** A zero-width token: a logical line's end or the end of the file. */
  private marker(k: Tok, at: number, indent: number): void {
    const count = this.count;
    this.kind[count] = k;
    this.start[count] = at;
    this.end[count] = at;
    this.op[count] = 0;
    this.indent[count] = indent;
    this.count = count + 1;
  }

  private lineFeed(): void {
    if (this.depth === 0 && this.lineHasToken) {
      this.marker(Tok.Newline, this.pos, -1);
      this.lineHasToken = false;
    }
    this.pos++;
    this.lineStart = this.pos;
    this.continued = false;
  }

  private carriageReturn(): void {
    if (this.source.charCodeAt(this.pos + 1) !== C.LF) throw new GiveUp('a carriage return without a line feed');
    this.pos++;
  }

  private comment(): void {
    const source = this.source;
    const from = this.pos;
    let stop = source.indexOf('\n', from);
    if (stop === -1) stop = source.length;
    // tree-sitter's comment token stops before a CR of a CRLF ending.
    let commentEnd = stop;
    if (commentEnd > from && source.charCodeAt(commentEnd - 1) === C.CR) commentEnd--;
    this.commentStarts.push(from);
    this.commentEnds.push(commentEnd);
    this.pos = stop;
  }

  private continuation(): void {
    const next = this.source.charCodeAt(this.pos + 1);
    // tree-sitter reads a backslash before CRLF, or inside brackets, differently from Python: those files go to it whole.
    if (next !== C.LF || this.depth !== 0) throw new GiveUp('a backslash outside a string, before CRLF or inside brackets');
    this.pos += 2;
    if (!this.lineHasToken) this.continued = true;
    // The logical line goes on: the next token is not first on it.
    this.lineStart = this.pos;
  }

  /** A name, or the prefix of a string (`rb"…"`, `f'…'`). */
  private nameOrPrefixedString(): void {
    const source = this.source;
    const from = this.pos;
    let stop = from + 1;
    while (stop < source.length && isNamePart(source.charCodeAt(stop))) stop++;
    const after = source.charCodeAt(stop);
    if (after === C.Quote || after === C.DoubleQuote) {
      const prefix = stringPrefix(source, from, stop);
      if (prefix === Prefix.None) throw new GiveUp('a string prefix the literal reader does not read');
      this.string(from, stop, prefix === Prefix.Formatted);
      return;
    }
    if (after >= 0x80) throw new GiveUp('a non-ASCII name');
    this.push(Tok.Name, from, stop, 0);
    this.pos = stop;
  }

  /** A string token from `from` (its prefix) with its opening quote at `quoteAt`. */
  private string(from: number, quoteAt: number, formatted: boolean): void {
    fieldsNeedChecking = false;
    const tokenEnd = scanString(this.source, quoteAt, formatted);
    this.push(Tok.String, from, tokenEnd, fieldsNeedChecking ? 1 : 0);
    this.pos = tokenEnd;
  }

  private number(): void {
    const tokenEnd = scanNumber(this.source, this.pos);
    this.push(Tok.Number, this.pos, tokenEnd, 0);
    this.pos = tokenEnd;
  }

  private operator(c: number): void {
    switch (c) {
      case C.LParen:
      case C.LBracket:
      case C.LBrace:
        // Deeper nesting than any migration has would only deepen the readers' recursion.
        if (++this.depth > MAX_NESTING) throw new GiveUp('brackets nested too deep');
        this.single(c);
        return;
      case C.RParen:
      case C.RBracket:
      case C.RBrace:
        if (this.depth === 0) throw new GiveUp('an unbalanced closing bracket');
        this.depth--;
        this.single(c);
        return;
      case C.Equals:
      case C.Colon:
        // `==` and the walrus `:=` are never a statement's `=` or a clause's `:`.
        if (this.source.charCodeAt(this.pos + 1) === C.Equals) this.double();
        else this.single(c);
        return;
      case C.Comma:
      case C.Dot:
      case C.Semicolon:
      case C.Tilde:
        this.single(c);
        return;
      case C.Plus:
      case C.Minus:
      case C.Star:
      case C.Slash:
      case C.Percent:
      case C.Amp:
      case C.Pipe:
      case C.Caret:
      case C.Less:
      case C.Greater:
      case C.At:
      case C.Bang:
        this.arithmetic(c);
        return;
      default:
        throw new GiveUp(c === C.Tab || c === C.FF ? 'tabs or form feeds' : 'a character the literal reader does not read');
    }
  }

  /** `+`, `+=`, `->` and their kind. */
  private arithmetic(c: number): void {
    const next = this.source.charCodeAt(this.pos + 1);
    if (next === C.Equals || (c === C.Minus && next === C.Greater)) this.double();
    else if (c === C.Bang) throw new GiveUp('a stray "!"');
    else this.single(c);
  }

  private single(c: number): void {
    this.push(Tok.Op, this.pos, this.pos + 1, c);
    this.pos++;
  }

  /** A two-character operator (`==`, `+=`, `->`): never a statement's `=` or a clause's `:`. */
  private double(): void {
    this.push(Tok.OtherOp, this.pos, this.pos + 2, 0);
    this.pos += 2;
  }
}

function isDigit(c: number): boolean {
  return c >= C.Zero && c <= C.Nine;
}

/**
 * End offset of the string literal whose quote is at `quoteAt`. In an f-string (`formatted`),
 * replacement fields (`{expr!r:fmt}`) are skipped bracket by bracket with the strings inside
 * them, so quotes inside a field (allowed since Python 3.12) do not end the token; a field that is
 * more than a dotted name sets `fieldsNeedChecking`.
 */
function scanString(source: string, quoteAt: number, formatted = false): number {
  const quote = source.charCodeAt(quoteAt);
  const length = source.length;
  const triple = source.charCodeAt(quoteAt + 1) === quote && source.charCodeAt(quoteAt + 2) === quote;
  let pos = quoteAt + (triple ? 3 : 1);
  while (pos < length) {
    const c = source.charCodeAt(pos);
    if (c === C.Backslash) {
      // `\{`, `\}` and `\N{…}` interact with f-string fields in ways not worth repeating here.
      const next = source.charCodeAt(pos + 1);
      if (formatted && (next === C.LBrace || next === C.RBrace || next === 0x4e)) throw new GiveUp('a backslash before a brace in an f-string');
      pos += 2;
      continue;
    }
    if (formatted && c === C.RBrace) {
      // Outside a field a brace must be doubled.
      if (source.charCodeAt(pos + 1) !== C.RBrace) throw new GiveUp('a single "}" in an f-string');
      pos += 2;
      continue;
    }
    if (formatted && c === C.LBrace) {
      if (source.charCodeAt(pos + 1) === C.LBrace) {
        pos += 2;
        continue;
      }
      const fieldEnd = skipReplacementField(source, pos + 1, triple);
      const field = SIMPLE_FIELD.exec(source.slice(pos + 1, fieldEnd - 1));
      if (!field || (field[1] as string).split('.').some((part) => KEYWORDS.has(part))) fieldsNeedChecking = true;
      pos = fieldEnd;
      continue;
    }
    if (c === quote) {
      if (!triple) return pos + 1;
      if (source.charCodeAt(pos + 1) === quote && source.charCodeAt(pos + 2) === quote) return pos + 3;
    } else if (!triple && (c === C.LF || c === C.CR)) throw new GiveUp('an unterminated string');
    pos++;
  }
  throw new GiveUp('an unterminated string');
}

/** Offset after the `}` closing the replacement field whose content starts at `at`. */
function skipReplacementField(source: string, at: number, multiline: boolean): number {
  const length = source.length;
  let depth = 1;
  let pos = at;
  while (pos < length) {
    const c = source.charCodeAt(pos);
    if (c === C.LBrace || c === C.LParen || c === C.LBracket) depth++;
    else if (c === C.RBrace || c === C.RParen || c === C.RBracket) {
      depth--;
      if (depth === 0) {
        if (c !== C.RBrace) throw new GiveUp('an f-string field closed by another bracket');
        return pos + 1;
      }
    } else if (c === C.Quote || c === C.DoubleQuote) {
      pos = scanString(source, pos);
      continue;
    } else if (c === C.Hash || c === C.Backslash || (!multiline && (c === C.LF || c === C.CR))) throw new GiveUp('an f-string field the literal reader does not read');
    pos++;
  }
  throw new GiveUp('an unterminated f-string field');
}

/**
 * End offset of a number literal (`12`, `1_000`, `0x1F`, `0o7`, `0b1`, `1.5`, `.5`, `1e-3`, `1.`).
 * Imaginary and Python 2 long numbers, and letters glued to a number, give up.
 */
function scanNumber(source: string, at: number): number {
  const length = source.length;
  let pos = at;
  const second = source.charCodeAt(at + 1) | 0x20;
  if (source.charCodeAt(at) === C.Zero && (second === 0x78 || second === 0x6f || second === 0x62)) {
    // 0x / 0o / 0b: hex digits cover the other two.
    pos += 2;
    while (pos < length && (isHexDigit(source.charCodeAt(pos)) || source.charCodeAt(pos) === C.Underscore)) pos++;
  } else {
    while (pos < length) {
      const c = source.charCodeAt(pos);
      if (isDigit(c) || c === C.Underscore || c === C.Dot) pos++;
      else if ((c | 0x20) === 0x65) {
        pos++;
        const sign = source.charCodeAt(pos);
        if (sign === C.Plus || sign === C.Minus) pos++;
      } else break;
    }
  }
  if (pos < length && isNamePart(source.charCodeAt(pos))) throw new GiveUp('a number with letters after it');
  if (!NUMBER.test(source.slice(at, pos))) throw new GiveUp('a malformed number');
  return pos;
}

/** Python 3's number literals (no imaginary ones); leading zeros only in zero itself. */
const NUMBER = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[1-9](?:_?\d)*|0(?:_?0)*)|(?=[\d_]*\.\d|[\d_]+\.)(?:\d(?:_?\d)*)?\.(?:\d(?:_?\d)*)?|\d(?:_?\d)*(?=[eE]))(?:[eE][+-]?\d(?:_?\d)*)?)$/;

function isHexDigit(c: number): boolean {
  const lower = c | 0x20;
  return isDigit(c) || (lower >= 0x61 && lower <= 0x66);
}
