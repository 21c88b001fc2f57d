/**
 * The literal reader: reads a migration module made only of the shapes `makemigrations` and
 * people write by hand in the ordinary way (imports, constants, helper functions, a Migration
 * class of attribute assignments whose values are literals, names, calls and lambdas) straight
 * from tokens into the same MigrationFile the tree-sitter reader builds.
 *
 * Why a second reader next to tree-sitter: the engine has to lint a tree in no more time than
 * CPython takes just to `ast.parse` it, and tree-sitter's parse alone takes longer than that
 * (figures in docs/parser.md). Reading literals needs no syntax tree, so this reader builds none. It gives up (returns null) on anything outside those
 * shapes, from `if` blocks to syntax errors, and the caller reads the file with tree-sitter
 * instead. Function bodies and other classes are read and checked by `function-scan.ts`.
 * Both readers must agree exactly; `test/engine/parse/literal-reader.test.ts` compares them on
 * every fixture, every rule example and mutated input.
 */
import type { FunctionInfo, MigrationFile, PyValue, SourceSpan } from '../types.js';
import type { AttributeValue, ListPart } from './attributes.js';
import { LIST_ATTRIBUTES, checkMigrationBases, classAssignment, classAugmentedAssignment, classListMutation, classLoop, inBranch, nextBranch, openChain, recordImport, valueListParts } from './attributes.js';
import type { FileContext, ValueSpans } from './context.js';
import { BodyParser } from './function-scan.js';
import { decodeFloat, decodeInteger, decodeStringToken, dottedPath } from './literals.js';
import type { ArgumentSpans } from './reader.js';
import { LineIndex, setOwn } from './reader.js';
import { applySuppressions, findSuppressionComments } from './suppressions.js';
import { Arg, TokenView, checkArgumentOrder } from './token-view.js';
import { C, GiveUp, KEYWORDS, Tok, tokenize } from './tokens.js';

/** Where a value ends: a statement's end, an item of a bracketed list, or a dict key. */
const enum End {
  Statement = 0,
  Item = 1,
  Key = 2,
}


/** A module-level statement range kept for the second pass. */
interface ClassHeader {
  line: number;
  /** Token range of the superclass list (inside the parentheses), or null without parentheses. */
  basesFrom: number;
  basesTo: number;
  hasBases: boolean;
  bodyFrom: number;
  bodyTo: number;
}

class LiteralReader extends TokenView implements ValueSpans {
  readonly callSpans = new Map<PyValue, SourceSpan>();
  readonly argumentSpans = new Map<PyValue, ArgumentSpans>();
  readonly lineIndex: LineIndex;
  private readonly offsets = new Map<PyValue, number>();
  private readonly body: BodyParser;
  private i = 0;
  /** Span of the value last read, and of the value inside any parentheses around it. */
  private valueStart = 0;
  private valueEnd = 0;
  private innerStart = 0;
  private innerEnd = 0;
  /** Whether the value last read was a parse of its own (false: kept as an expression span). */
  private valueSimple = true;
  /** Set by readParenthesized: the value inside the parentheses was an expression span. */
  private parenthesizedSpan = false;

  constructor(source: string) {
    super(tokenize(source), source);
    this.lineIndex = new LineIndex(source);
    this.body = new BodyParser(this.t, source, this.lineIndex);
  }

  lineOf(value: PyValue): number | undefined {
    const offset = this.offsets.get(value);
    return offset === undefined ? undefined : this.lineIndex.line(offset);
  }

  /** Whether `offset` lies inside a comment (for suppression markers). */
  isComment(offset: number): boolean {
    const starts = this.t.commentStarts;
    let low = 0;
    let high = starts.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((starts[mid] as number) <= offset) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found !== -1 && offset < (this.t.commentEnds[found] as number);
  }

  read(file: MigrationFile): void {
    const ctx: FileContext = {
      reader: this,
      constants: new Map(),
      functionNames: new Set(),
      classNames: new Set(),
      bindings: new Map(),
      problems: file.problems,
      branches: [],
      nextChain: 0,
    };
    const functions: FunctionInfo[] = [];
    let migration: ClassHeader | null = null;
    const { kind, op } = this;
    while (kind[this.i] !== Tok.End) {
      const at = this.i;
      if (this.indent[at] !== 0) throw new GiveUp('an indented line at module level');
      const k = kind[at];
      if (k === Tok.Name) {
        const word = this.text(at);
        if (word === 'import' || word === 'from') this.readImport(file, ctx);
        else if (word === 'class') {
          const header = this.readClass(ctx);
          if (header) {
            if (migration) throw new GiveUp('two Migration classes');
            migration = header;
          }
        } else if (word === 'def' || (word === 'async' && this.isName(at + 1, 'def'))) functions.push(this.readDef(ctx));
        else if (!KEYWORDS.has(word) && kind[at + 1] === Tok.Op && op[at + 1] === C.Equals) {
          this.i = at + 2;
          const value = this.readValue(End.Statement);
          this.expectNewline();
          ctx.constants.set(word, value);
        } else this.skipSimpleStatement();
      } else if (k === Tok.Op && op[at] === C.At) {
        // Decorators (checked as expressions); only decorated functions are read here.
        while (kind[this.i] === Tok.Op && op[this.i] === C.At && this.indent[this.i] === 0) this.skipSimpleStatement();
        const next = this.i;
        if (this.indent[next] !== 0 || !(this.isName(next, 'def') || (this.isName(next, 'async') && this.isName(next + 1, 'def')))) throw new GiveUp('a decorated class');
        functions.push(this.readDef(ctx));
      } else this.skipSimpleStatement();
    }
    if (!migration) throw new GiveUp('no Migration class');
    file.hasMigrationClass = true;
    file.classLine = migration.line;
    checkMigrationBases(file, ctx, migration.hasBases ? this.baseNames(migration.basesFrom, migration.basesTo) : []);
    this.readClassBody(file, ctx, migration.bodyFrom, migration.bodyTo);
    // As the tree reader: functions after the class, in module order.
    for (const info of functions) file.functions[info.name] = info;
  }

  /** Whether tokens `from`..`to` (exclusive) are `name(.name)*`. */
  private isDottedName(from: number, to: number): boolean {
    if (this.kind[from] !== Tok.Name || (to - from) % 2 !== 1) return false;
    for (let at = from + 1; at < to; at += 2) if (!this.isOp(at, C.Dot) || this.kind[at + 1] !== Tok.Name) return false;
    return true;
  }

  private expectNewline(): void {
    if (this.kind[this.i] !== Tok.Newline) throw new GiveUp('more after a value on its line');
    this.i++;
  }

  /**
   * Check and pass over one statement the tree reader does not read: an expression (a docstring,
   * a call), an augmented assignment, `pass`, or a decorator line. Anything else gives up, from
   * `if x: y = 1` (whose body the tree reader visits) to `X: int = 1` (which it reads).
   */
  private skipSimpleStatement(): void {
    let at = this.i;
    if (this.isName(at, 'pass')) at++;
    else {
      const decorator = this.isOp(at, C.At);
      if (decorator) at++;
      at = this.body.checkExpressionAt(at);
      if (!decorator && this.isAugmentedAssignment(at)) at = this.body.checkExpressionAt(at + 1);
    }
    if (this.kind[at] !== Tok.Newline) throw new GiveUp('a statement the literal reader does not read');
    this.i = at + 1;
  }

  /** After the header's colon: the indented lines of a block, up to the next module-level line. */
  private skipBlock(): number {
    const { kind } = this;
    if (kind[this.i] !== Tok.Newline) throw new GiveUp('a block on its header line');
    this.i++;
    const bodyFrom = this.i;
    if (kind[bodyFrom] === Tok.End || this.indent[bodyFrom] === 0) throw new GiveUp('an empty block');
    while (kind[this.i] !== Tok.End && this.indent[this.i] !== 0) this.i++;
    return bodyFrom;
  }

  /** `import …` / `from … import …`: recorded as the tree reader records it. */
  private readImport(file: MigrationFile, ctx: FileContext): void {
    const line = this.lineIndex.line(this.start[this.i] as number);
    const { module, names, wildcard, next } = this.importStatement(this.i);
    this.i = next;
    this.expectNewline();
    recordImport(file, ctx, module, names, wildcard, line);
  }

  /** `class Name(...):` and its block; the Migration class is kept for the second pass. */
  private readClass(ctx: FileContext): ClassHeader | null {
    const classAt = this.i;
    if (this.kind[classAt + 1] !== Tok.Name) throw new GiveUp('a class without a name');
    const name = this.text(classAt + 1);
    ctx.classNames.add(name);
    if (name !== 'Migration') {
      // Not read, but checked: a syntax error in it must still send the file to tree-sitter.
      this.i = this.body.checkClass(classAt);
      return null;
    }
    this.i = classAt + 2;
    let hasBases = false;
    let basesFrom = 0;
    let basesTo = 0;
    if (this.isOp(this.i, C.LParen)) {
      hasBases = true;
      basesFrom = this.i + 1;
      this.i = this.body.checkArgumentsAt(this.i, false);
      basesTo = this.i - 1;
    }
    if (!this.isOp(this.i, C.Colon)) throw new GiveUp('a class header without a colon');
    this.i++;
    const bodyFrom = this.skipBlock();
    return { line: this.lineIndex.line(this.start[classAt] as number), hasBases, basesFrom, basesTo, bodyFrom, bodyTo: this.i };
  }

  /** `def name(...)` / `async def` at module level: read from tokens, as the tree reader reads it. */
  private readDef(ctx: FileContext): FunctionInfo {
    const { info, next } = this.body.readFunction(this.i);
    ctx.functionNames.add(info.name);
    this.i = next;
    return info;
  }

  /** Superclass names as the tree reader reports them: positional ones, whitespace removed. */
  private baseNames(from: number, to: number): string[] {
    const from_ = this.start[from] as number;
    const to_ = this.start[to] as number;
    for (const comment of this.t.commentStarts) if (comment > from_ && comment < to_) throw new GiveUp('a comment in the class header');
    const names: string[] = [];
    let pieceFrom = from;
    let depth = 0;
    for (let at = from; at <= to; at++) {
      const atEnd = at === to;
      if (!atEnd && this.kind[at] === Tok.Op) {
        const c = this.op[at];
        if (c === C.LParen || c === C.LBracket || c === C.LBrace) depth++;
        else if (c === C.RParen || c === C.RBracket || c === C.RBrace) depth--;
      }
      if (atEnd || (depth === 0 && this.isOp(at, C.Comma))) {
        if (at > pieceFrom) {
          const keyword = this.kind[pieceFrom] === Tok.Name && this.isOp(pieceFrom + 1, C.Equals);
          // Bases are dotted names in practice; anything else is left to tree-sitter.
          if (!keyword && !this.isDottedName(pieceFrom, at)) throw new GiveUp('a base that is not a dotted name');
          if (!keyword) names.push(this.source.slice(this.start[pieceFrom], this.end[at - 1]).replace(/\s+/g, ''));
        }
        pieceFrom = at + 1;
      }
    }
    return names;
  }

  /** Statements of the class body (or of one of its `if` blocks) from token `from` to `to`. */
  private readClassBody(file: MigrationFile, ctx: FileContext, from: number, to: number, conditional = false): void {
    const indent = this.indent[from] as number;
    this.i = from;
    while (this.i < to) {
      const at = this.i;
      if (this.indent[at] !== indent) throw new GiveUp('a nested block in the class body');
      const k = this.kind[at];
      if (k === Tok.String) this.skipSimpleStatement();
      else if (this.isName(at, 'pass') && this.kind[at + 1] === Tok.Newline) this.i = at + 2;
      else if (this.isName(at, 'import') || this.isName(at, 'from')) {
        // The tree reader records module-level imports only.
        this.i = this.importStatement(at).next;
        this.expectNewline();
      } else if (this.isName(at, 'if')) this.readIfChain(file, ctx, indent, to);
      else if (this.isName(at, 'for') || this.isName(at, 'while')) this.readLoop(ctx, indent);
      else if (k === Tok.Name && KEYWORDS.has(this.text(at))) throw new GiveUp('a statement the literal reader does not read in the class body');
      else if (k === Tok.Name && this.isOp(at + 1, C.Equals)) {
        const name = this.text(at);
        classAssignment(file, ctx, name, this.readAttributeValue(ctx, at + 2, LIST_ATTRIBUTES.has(name)), this.lineIndex.line(this.start[at] as number), conditional);
      } else if (k === Tok.Name && this.kind[at + 1] === Tok.OtherOp && this.text(at + 1) === '+=' && LIST_ATTRIBUTES.has(this.text(at))) {
        classAugmentedAssignment(file, ctx, this.text(at), '+=', this.readAttributeValue(ctx, at + 2, true), this.lineIndex.line(this.start[at] as number), conditional);
      } else if (k === Tok.Name && this.isOp(at + 1, C.Dot) && this.isOp(at + 3, C.LParen) && LIST_ATTRIBUTES.has(this.text(at))) {
        this.readListMutation(file, ctx, conditional);
      } else throw new GiveUp('a statement the literal reader does not read in the class body');
    }
  }

  /** The value of `name = …` / `name += …` from token `from` to the line's end, the cursor after it. */
  private readAttributeValue(ctx: FileContext, from: number, isList: boolean): AttributeValue {
    this.i = from;
    const value = this.readValue(End.Statement);
    const outer = { start: this.valueStart, end: this.valueEnd };
    const inner = { start: this.innerStart, end: this.innerEnd };
    const simple = this.valueSimple;
    const to = this.i;
    this.expectNewline();
    return {
      line: this.lineIndex.line(outer.start),
      text: () => this.source.slice(outer.start, outer.end),
      value: () => value,
      // A value read whole is its own single part; `[...] + OTHER` and `a if c else b` are split as the tree reader splits them.
      listParts: (): ListPart[] =>
        simple || !isList ? valueListParts(ctx, value, this.source.slice(inner.start, inner.end), this.lineIndex.line(inner.start)) : this.atCursor(() => this.tokenListParts(ctx, from, to, 0)),
    };
  }

  /** Run `read` and put the cursor back where it was. */
  private atCursor<T>(read: () => T): T {
    const at = this.i;
    try {
      return read();
    } finally {
      this.i = at;
    }
  }

  /** `if`/`elif`/`else` at `indent`: each block is read in its own branch. */
  private readIfChain(file: MigrationFile, ctx: FileContext, indent: number, to: number): void {
    const chain = openChain(ctx);
    let at = this.i;
    for (;;) {
      const isElse = this.isName(at, 'else');
      const colon = isElse ? at + 1 : this.body.checkConditionAt(at + 1);
      if (!this.isOp(colon, C.Colon)) throw new GiveUp('a clause without a colon');
      if (this.kind[colon + 1] !== Tok.Newline) throw new GiveUp('a block on its header line');
      const blockFrom = colon + 2;
      if (this.kind[blockFrom] === Tok.End || (this.indent[blockFrom] as number) <= indent) throw new GiveUp('an expected indented block');
      let blockTo = blockFrom;
      while (blockTo < to && (this.indent[blockTo] === -1 || (this.indent[blockTo] as number) > indent)) blockTo++;
      const condition = isElse ? null : this.source.slice(this.start[at + 1], this.end[colon - 1]);
      inBranch(ctx, nextBranch(chain, condition), () => this.readClassBody(file, ctx, blockFrom, blockTo, true));
      this.i = blockTo;
      at = blockTo;
      if (isElse || at >= to || this.indent[at] !== indent || !(this.isName(at, 'elif') || this.isName(at, 'else'))) return;
    }
  }

  /** A `for`/`while` loop: checked and passed over; the list attributes it names are reported. */
  private readLoop(ctx: FileContext, indent: number): void {
    const at = this.i;
    const next = this.body.checkCompoundAt(at, indent);
    let colon = -1;
    let depth = 0;
    for (let k = at + 1; k < next && colon === -1; k++) {
      if (this.kind[k] === Tok.Op) {
        const c = this.op[k];
        if (c === C.LParen || c === C.LBracket || c === C.LBrace) depth++;
        else if (c === C.RParen || c === C.RBracket || c === C.RBrace) depth--;
        else if (c === C.Colon && depth === 0) colon = k;
      } else if (depth === 0 && this.isName(k, 'lambda')) throw new GiveUp('a lambda in a loop header');
    }
    if (colon === -1) throw new GiveUp('a loop header without a colon');
    const names = new Set<string>();
    for (let k = at; k < next; k++) if (this.kind[k] === Tok.Name && LIST_ATTRIBUTES.has(this.text(k))) names.add(this.text(k));
    classLoop(ctx, this.source.slice(this.start[at], this.start[colon]).replace(/\s+/g, ' ').trim(), names, this.lineIndex.line(this.start[at] as number));
    this.i = next;
  }

  /** `operations.append(x)`, `.extend(x)`, `.insert(i, x)` as a statement. */
  private readListMutation(file: MigrationFile, ctx: FileContext, conditional: boolean): void {
    const at = this.i;
    const match = /^([\p{L}_]\w*)\s*\.\s*(append|extend|insert)$/u.exec(this.source.slice(this.start[at], this.end[at + 2]));
    if (!match) throw new GiveUp('a call in the class body');
    const call = this.readValue(End.Statement);
    this.expectNewline();
    if (call.kind !== 'call' || Object.keys(call.kwargs).length > 0 || call.args.some((arg) => arg.kind === 'expr' && arg.text.startsWith('*'))) throw new GiveUp('a list change the literal reader does not read');
    // Token ranges of the first two arguments (the call is checked: brackets balance).
    const ranges: Array<[number, number]> = [];
    let depth = 0;
    let argFrom = at + 4;
    for (let k = at + 4; ; k++) {
      if (this.kind[k] === Tok.Op) {
        const c = this.op[k];
        if (c === C.LParen || c === C.LBracket || c === C.LBrace) depth++;
        else if ((c === C.RParen && depth === 0) || (c === C.Comma && depth === 0)) {
          if (k > argFrom) ranges.push([argFrom, k]);
          argFrom = k + 1;
          if (c === C.RParen) break;
        } else if (c === C.RParen || c === C.RBracket || c === C.RBrace) depth--;
      }
    }
    const argument = (index: number): AttributeValue | undefined => {
      const range = ranges[index];
      const value = call.args[index];
      if (!range || !value) return undefined;
      const [from, to] = range;
      return {
        line: this.lineIndex.line(this.start[from] as number),
        text: () => this.source.slice(this.start[from], this.end[to - 1]),
        value: () => value,
        listParts: () => this.atCursor(() => this.tokenListParts(ctx, from, to, 0)),
      };
    };
    const method = match[2] as 'append' | 'extend' | 'insert';
    classListMutation(file, ctx, match[1] as string, method, argument(0), argument(1), this.lineIndex.line(this.start[at] as number), conditional);
  }

  /**
   * The tree reader's listParts over tokens `from`..`to` (exclusive): `a if c else b` into branches,
   * `a + b` into its operands, `(a)` into `a`, anything else one value. Operators whose precedence
   * would make the split differ (`-`, `*`…) give up.
   */
  private tokenListParts(ctx: FileContext, from: number, to: number, depth: number): ListPart[] {
    let ifAt = -1;
    let elseAt = -1;
    let lastPlus = -1;
    let lower = false;
    let level = 0;
    for (let k = from; k < to; k++) {
      const kind = this.kind[k];
      if (kind === Tok.Op) {
        const c = this.op[k];
        if (c === C.LParen || c === C.LBracket || c === C.LBrace) level++;
        else if (c === C.RParen || c === C.RBracket || c === C.RBrace) level--;
        else if (level !== 0 || c === C.Dot || c === C.Tilde) continue;
        else if (c === C.Plus || c === C.Minus) {
          if (!this.endsOperand(k - 1, from)) continue;
          if (c === C.Minus) throw new GiveUp('a minus in a list attribute');
          if (ifAt === -1) lastPlus = k;
        } else if (c === C.Amp || c === C.Pipe || c === C.Caret || c === C.Less || c === C.Greater) lower = true;
        else throw new GiveUp('an operator in a list attribute');
      } else if (level !== 0) continue;
      else if (kind === Tok.OtherOp) lower = true;
      else if (kind === Tok.Name && KEYWORDS.has(this.text(k))) {
        const word = this.text(k);
        if (word === 'if' && ifAt === -1) ifAt = k;
        else if (word === 'else' && ifAt !== -1 && elseAt === -1) elseAt = k;
        else if (word === 'and' || word === 'or' || word === 'not' || word === 'in' || word === 'is') lower = true;
        else if (word !== 'True' && word !== 'False' && word !== 'None' && word !== 'if' && word !== 'else') throw new GiveUp('a keyword in a list attribute');
      }
    }
    if (ifAt !== -1) {
      if (elseAt === -1) throw new GiveUp('a conditional expression without else');
      if (depth >= 50) return this.leafParts(ctx, from, to);
      const chain = openChain(ctx);
      const taken = nextBranch(chain, this.source.slice(this.start[ifAt + 1], this.end[elseAt - 1]));
      const bodyParts = this.tokenListParts(ctx, from, ifAt, depth + 1).map((part) => ({ ...part, branches: [taken, ...(part.branches ?? [])] }));
      const otherwise = nextBranch(chain, null);
      const orelseParts = this.tokenListParts(ctx, elseAt + 1, to, depth + 1).map((part) => ({ ...part, branches: [otherwise, ...(part.branches ?? [])] }));
      return [...bodyParts, ...orelseParts];
    }
    if (lower || depth >= 50) return this.leafParts(ctx, from, to);
    if (lastPlus !== -1) return [...this.tokenListParts(ctx, from, lastPlus, depth + 1), ...this.tokenListParts(ctx, lastPlus + 1, to, depth + 1)];
    if (this.isOp(from, C.LParen) && this.isOp(to - 1, C.RParen) && this.isParenthesizedValue(from, to - 1)) return this.tokenListParts(ctx, from + 1, to - 1, depth + 1);
    return this.leafParts(ctx, from, to);
  }

  /** Whether the token before an operator at `at + 1` ends an operand (so the operator is binary). */
  private endsOperand(at: number, from: number): boolean {
    if (at < from) return false;
    const k = this.kind[at];
    if (k === Tok.Number || k === Tok.String) return true;
    if (k === Tok.Name) {
      const word = this.text(at);
      return !KEYWORDS.has(word) || word === 'True' || word === 'False' || word === 'None';
    }
    return k === Tok.Op && (this.op[at] === C.RParen || this.op[at] === C.RBracket || this.op[at] === C.RBrace);
  }

  /** `(` at `open` and `)` at `close` enclose one parenthesized value (not a tuple, a generator or `()`). */
  private isParenthesizedValue(open: number, close: number): boolean {
    if (close === open + 1) return false;
    // tree-sitter's first named child would be the comment.
    if (firstCommentIn(this.t.commentStarts, this.end[open] as number, this.start[open + 1] as number)) throw new GiveUp('a comment after a parenthesis');
    let level = 0;
    for (let k = open + 1; k < close; k++) {
      if (this.kind[k] === Tok.Op) {
        const c = this.op[k];
        if (c === C.LParen || c === C.LBracket || c === C.LBrace) level++;
        else if (c === C.RParen || c === C.RBracket || c === C.RBrace) {
          if (--level < 0) return false;
        } else if (level === 0 && (c === C.Comma || (c === C.Star && k === open + 1))) return false;
      } else if (level === 0 && (this.isName(k, 'for') || this.isName(k, 'yield'))) return false;
    }
    return level === 0;
  }

  /** One operand as one value: its items, or a dynamic piece. */
  private leafParts(ctx: FileContext, from: number, to: number): ListPart[] {
    const start = this.start[from] as number;
    const stop = this.end[to - 1] as number;
    this.i = from;
    const read = this.readSimple(End.Item);
    const value = read !== null && this.i === to ? read : this.expr(start, stop);
    return valueListParts(ctx, value, this.source.slice(start, stop), this.lineIndex.line(start));
  }

  private isTerminator(at: number, end: End): boolean {
    const k = this.kind[at];
    if (end === End.Statement) return k === Tok.Newline;
    if (k !== Tok.Op) return false;
    const c = this.op[at];
    return c === C.Comma || c === C.RParen || c === C.RBracket || c === C.RBrace || (end === End.Key && c === C.Colon);
  }

  /** Read one value; the cursor stops on the token after it, which ends it. */
  private readValue(end: End): PyValue {
    const from = this.i;
    const parenthesized = this.isOp(from, C.LParen);
    const value = this.readSimple(end);
    if (value !== null && this.isTerminator(this.i, end)) {
      // `(a + b)` is the expression inside: what the tree reader splits, this reader must not take as read.
      this.valueSimple = !(parenthesized && this.parenthesizedSpan);
      return value;
    }
    this.i = from;
    return this.readSpan(end);
  }

  /**
   * Anything else up to the value's end, kept as text (what the tree reader does with it). The
   * text is checked to be a well-formed expression first: a syntax error must reach tree-sitter.
   */
  private readSpan(end: End, splat = false): PyValue {
    const from = this.i;
    let at = from;
    // `*args` / `**kwargs` only where the caller allows them (call arguments, list items), and of
    // a name only: tree-sitter can read `[*f.g(x)]` as a call of `*f.g`.
    if (splat && this.isOp(at, C.Star)) {
      at += this.isOp(at + 1, C.Star) ? 2 : 1;
      let last = at;
      while (this.isOp(last + 1, C.Dot) && this.kind[last + 2] === Tok.Name) last += 2;
      if (this.kind[at] !== Tok.Name || this.isTrailerStart(last + 1)) throw new GiveUp('a splat of something other than a name');
    }
    at = this.body.checkExpressionAt(at);
    if (!this.isTerminator(at, end)) throw new GiveUp('an expression followed by more');
    this.i = at;
    const start = this.start[from] as number;
    const stop = this.end[at - 1] as number;
    this.setSpan(start, stop, start, stop);
    this.valueSimple = false;
    return this.expr(start, stop);
  }

  private setSpan(start: number, end: number, innerStart: number, innerEnd: number): void {
    this.valueStart = start;
    this.valueEnd = end;
    this.innerStart = innerStart;
    this.innerEnd = innerEnd;
  }

  private expr(start: number, end: number): PyValue {
    return { kind: 'expr', text: this.source.slice(start, end), line: this.lineIndex.line(start) };
  }

  /** A value the tree reader reads into structure; null for anything it keeps as an expression. */
  private readSimple(end: End): PyValue | null {
    const at = this.i;
    const value = this.readAtom(end);
    // `x.y`, `f(…)`, `";".join(…)`, `x[0]`: trailers decide what the whole is.
    if (value === null || !this.isTrailerStart(this.i)) return value;
    // `-9(…)` is the sign of a call: an expression to the tree reader.
    if (this.isOp(at, C.Minus) || this.isOp(at, C.Plus)) return null;
    return this.readTrailed(at, this.i, false);
  }

  private readAtom(end: End): PyValue | null {
    const at = this.i;
    const k = this.kind[at];
    const start = this.start[at] as number;
    if (k === Tok.String) return this.readStrings();
    if (k === Tok.Number) {
      this.i++;
      const value = this.number(at);
      this.setSpan(start, this.end[at] as number, start, this.end[at] as number);
      return value;
    }
    if (k === Tok.Name) {
      const word = this.text(at);
      if (KEYWORDS.has(word)) {
        let value: PyValue | null = null;
        if (word === 'True') value = { kind: 'bool', value: true };
        else if (word === 'False') value = { kind: 'bool', value: false };
        else if (word === 'None') value = { kind: 'none' };
        else if (word === 'lambda') return this.readLambda(end);
        if (!value) return null;
        this.i++;
        this.setSpan(start, this.end[at] as number, start, this.end[at] as number);
        return value;
      }
      // A dotted name, read directly (with its call) since it is by far the most common atom.
      let last = at;
      while (this.isOp(last + 1, C.Dot) && this.kind[last + 2] === Tok.Name) {
        if (KEYWORDS.has(this.text(last + 2))) throw new GiveUp('a keyword after a dot');
        last += 2;
      }
      if (this.isOp(last + 1, C.LParen)) return this.readCall(at, last);
      if (this.isTrailerStart(last + 1)) {
        this.i = last + 1;
        return this.readTrailed(at, last + 1, true);
      }
      return this.readName(at, last);
    }
    if (k !== Tok.Op) return null;
    const c = this.op[at];
    if (c === C.LBracket) return this.readSequence('list', C.RBracket);
    if (c === C.LParen) return this.readParenthesized();
    if (c === C.LBrace) return this.readBraces();
    if (c === C.Minus || c === C.Plus) {
      // Signs before a number, applied innermost first as the tree reader does: `-+2` is -2, written "-2".
      let numberAt = at;
      while (this.isOp(numberAt, C.Minus) || this.isOp(numberAt, C.Plus)) numberAt++;
      if (this.kind[numberAt] !== Tok.Number) return null;
      this.i = numberAt + 1;
      let value = this.number(numberAt);
      const stop = this.end[numberAt] as number;
      this.setSpan(start, stop, start, stop);
      for (let sign = numberAt - 1; sign >= at; sign--) {
        if (value.kind !== 'int' && value.kind !== 'float') return this.expr(start, stop);
        if (this.op[sign] === C.Minus) value = { kind: value.kind, value: -value.value, text: `-${value.text}` };
      }
      return value;
    }
    return null;
  }

  /**
   * Tokens `from`..`at` were an atom (already read, and dropped now) with trailers from `at`. As
   * in the tree reader: a final `(…)` makes a call whose callee is the text before it
   * (`";".join(x)`, `f(a)(b)`), a name with only `.attr` trailers is a dotted name, anything
   * else (`x[0]`, `f().y`) is an expression (null here: the caller keeps its text).
   */
  private readTrailed(from: number, at: number, dotsOnly: boolean): PyValue | null {
    for (;;) {
      if (this.isOp(at, C.Dot)) {
        if (this.kind[at + 1] !== Tok.Name || KEYWORDS.has(this.text(at + 1))) throw new GiveUp('a dot not followed by a name');
        at += 2;
      } else if (this.isOp(at, C.LParen)) {
        const next = this.body.checkArgumentsAt(at);
        if (!this.isTrailerStart(next)) return this.readCall(from, at - 1);
        dotsOnly = false;
        at = next;
      } else if (this.isOp(at, C.LBracket)) {
        dotsOnly = false;
        at = this.body.checkSubscriptAt(at);
      } else break;
    }
    if (dotsOnly) return this.readName(from, at - 1);
    this.i = at;
    return null;
  }

  /** A dotted name over tokens `from`..`last`. */
  private readName(from: number, last: number): PyValue {
    this.i = last + 1;
    const start = this.start[from] as number;
    const stop = this.end[last] as number;
    this.setSpan(start, stop, start, stop);
    const path = dottedPath(this.source.slice(start, stop));
    if (path === null) return this.expr(start, stop);
    const value: PyValue = { kind: 'name', path };
    this.offsets.set(value, start);
    return value;
  }

  private number(at: number): PyValue {
    const text = this.text(at);
    const lower = text.toLowerCase();
    const isFloat = !lower.startsWith('0x') && (text.includes('.') || lower.includes('e'));
    const value = isFloat ? decodeFloat(text) : decodeInteger(text);
    if (value === null) return this.expr(this.start[at] as number, this.end[at] as number);
    return isFloat ? { kind: 'float', value, text } : { kind: 'int', value, text };
  }

  /** One string token, or adjacent ones (implicit concatenation). */
  private readStrings(): PyValue {
    const from = this.i;
    let to = from;
    while (this.kind[to] === Tok.String) {
      // Fields that are expressions are checked by tree-sitter, not here.
      if (this.op[to] === 1) throw new GiveUp('an f-string field that is an expression');
      to++;
    }
    this.i = to;
    const start = this.start[from] as number;
    const stop = this.end[to - 1] as number;
    this.setSpan(start, stop, start, stop);
    let joined = '';
    let bytes = false;
    for (let at = from; at < to; at++) {
      const decoded = decodeStringToken(this.text(at));
      if (!decoded || decoded.formatted) return this.expr(start, stop);
      if (at > from && decoded.bytes !== bytes) return this.expr(start, stop);
      bytes = decoded.bytes;
      joined += decoded.value;
    }
    const value: PyValue = { kind: bytes ? 'bytes' : 'str', value: joined };
    this.offsets.set(value, start);
    return value;
  }

  /** `[a, b]` (and the items of a tuple or set after the first). */
  private readSequence(kind: 'list' | 'tuple' | 'set', close: number, items: PyValue[] = [], from = this.i): PyValue {
    if (items.length === 0) this.i = from + 1;
    while (!this.isOp(this.i, close)) {
      items.push(this.isOp(this.i, C.Star) ? this.readSpan(End.Item, true) : this.readValue(End.Item));
      if (this.isOp(this.i, C.Comma)) this.i++;
      else if (!this.isOp(this.i, close)) throw new GiveUp('a bracket closed by another');
    }
    const start = this.start[from] as number;
    const stop = this.end[this.i] as number;
    this.i++;
    this.setSpan(start, stop, start, stop);
    const value: PyValue = { kind, items };
    this.offsets.set(value, start);
    return value;
  }

  /** `()`, `(value)` (the value itself, as the tree reader returns it) or `(a, b)`. */
  private readParenthesized(): PyValue {
    const from = this.i;
    this.parenthesizedSpan = false;
    if (this.isOp(from + 1, C.RParen)) return this.readSequence('tuple', C.RParen, [], from);
    this.i = from + 1;
    if (this.isOp(this.i, C.Star)) throw new GiveUp('a starred first item in parentheses');
    const first = this.readValue(End.Item);
    if (this.isOp(this.i, C.RParen)) {
      this.parenthesizedSpan = !this.valueSimple;
      const innerStart = this.innerStart;
      const innerEnd = this.innerEnd;
      this.setSpan(this.start[from] as number, this.end[this.i] as number, innerStart, innerEnd);
      this.i++;
      return first;
    }
    if (!this.isOp(this.i, C.Comma)) throw new GiveUp('a parenthesis closed by another bracket');
    this.i++;
    const tuple = this.readSequence('tuple', C.RParen, [first], from);
    this.parenthesizedSpan = false;
    return tuple;
  }

  /** `{}` and dicts; sets. `**spread` entries give up. */
  private readBraces(): PyValue {
    const from = this.i;
    this.i = from + 1;
    if (this.isOp(this.i, C.RBrace)) {
      const start = this.start[from] as number;
      const stop = this.end[this.i] as number;
      this.i++;
      this.setSpan(start, stop, start, stop);
      const empty: PyValue = { kind: 'dict', entries: [] };
      this.offsets.set(empty, start);
      return empty;
    }
    if (this.isOp(this.i, C.Star)) throw new GiveUp('a starred entry in braces');
    const first = this.readValue(End.Key);
    if (!this.isOp(this.i, C.Colon)) {
      if (this.isOp(this.i, C.Comma)) this.i++;
      else if (!this.isOp(this.i, C.RBrace)) throw new GiveUp('a brace closed by another bracket');
      return this.readSequence('set', C.RBrace, [first], from);
    }
    const entries: Array<{ key: PyValue; value: PyValue }> = [];
    let key = first;
    for (;;) {
      this.i++; // the colon
      entries.push({ key, value: this.readValue(End.Item) });
      if (this.isOp(this.i, C.Comma)) this.i++;
      if (this.isOp(this.i, C.RBrace)) break;
      if (this.isOp(this.i, C.Star)) throw new GiveUp('a starred entry in braces');
      key = this.readValue(End.Key);
      if (!this.isOp(this.i, C.Colon)) throw new GiveUp('a dict entry without a colon');
    }
    const start = this.start[from] as number;
    const stop = this.end[this.i] as number;
    this.i++;
    this.setSpan(start, stop, start, stop);
    const value: PyValue = { kind: 'dict', entries };
    this.offsets.set(value, start);
    return value;
  }

  /** `callee(args)`: the callee is tokens `from`..`last`, its `(` follows. */
  private readCall(from: number, last: number): PyValue {
    const start = this.start[from] as number;
    const calleeText = this.source.slice(start, this.end[last]);
    const callee = dottedPath(calleeText) ?? calleeText;
    const args: PyValue[] = [];
    const kwargs: Record<string, PyValue> = {};
    const spans: ArgumentSpans = { positional: [], keyword: {} };
    this.i = last + 2;
    let seen = 0;
    while (!this.isOp(this.i, C.RParen)) {
      const at = this.i;
      if (this.kind[at] === Tok.Name && this.isOp(at + 1, C.Equals) && !KEYWORDS.has(this.text(at))) {
        seen = checkArgumentOrder(seen, Arg.Keyword);
        this.i = at + 2;
        setOwn(kwargs, this.text(at), this.readValue(End.Item));
        setOwn(spans.keyword, this.text(at), this.lineIndex.span(this.valueStart, this.valueEnd));
      } else {
        const starred = this.isOp(at, C.Star);
        seen = checkArgumentOrder(seen, starred ? (this.isOp(at + 1, C.Star) ? Arg.DoubleStar : Arg.Star) : Arg.Positional);
        args.push(starred ? this.readSpan(End.Item, true) : this.readValue(End.Item));
        spans.positional.push(this.lineIndex.span(this.valueStart, this.valueEnd));
      }
      if (this.isOp(this.i, C.Comma)) this.i++;
      else if (!this.isOp(this.i, C.RParen)) throw new GiveUp('a call closed by another bracket');
    }
    const stop = this.end[this.i] as number;
    this.i++;
    this.setSpan(start, stop, start, stop);
    const value: PyValue = { kind: 'call', callee, args, kwargs, line: this.lineIndex.line(start) };
    this.callSpans.set(value, this.lineIndex.span(start, stop));
    this.argumentSpans.set(value, spans);
    return value;
  }

  /** `lambda params: body`, to the end of the value. */
  private readLambda(end: End): PyValue {
    const from = this.i;
    const { params, colon } = this.body.lambdaParametersAt(from);
    this.i = colon + 1;
    this.readSpan(end);
    const start = this.start[from] as number;
    const stop = this.valueEnd;
    this.setSpan(start, stop, start, stop);
    return { kind: 'lambda', text: this.source.slice(start, stop), params, line: this.lineIndex.line(start) };
  }
}

/** Whether a comment starts in `[from, to)`. */
function firstCommentIn(starts: readonly number[], from: number, to: number): boolean {
  for (const start of starts) {
    if (start >= to) return false;
    if (start >= from) return true;
  }
  return false;
}

/** Give-up reasons kept: defect messages vary, and a long-running process keeps a bounded set. */
const MAX_REASONS = 100;
/** How often the reader read a file, gave up, or failed (a defect); tests and benchmarks report these. */
export const literalReaderCounts = { read: 0, gaveUp: 0, defects: 0, reasons: {} as Record<string, number> };

/**
 * Read `source` with the literal reader into `file` (fresh from `emptyMigrationFile`); null when
 * the file holds anything it does not read (then `file` is partly filled and must be dropped).
 */
export function readLiteralModule(source: string, file: MigrationFile): MigrationFile | null {
  try {
    const reader = new LiteralReader(source);
    reader.read(file);
    applySuppressions(file, findSuppressionComments(source, (at) => reader.isComment(at)));
    file.problems.sort((a, b) => a.line - b.line);
    literalReaderCounts.read++;
    return file;
  } catch (error) {
    // Giving up is the normal way out; anything else is a defect here (counted for the tests), and tree-sitter still reads the file.
    const reason = error instanceof GiveUp ? error.reason : `defect: ${error instanceof Error ? error.message : String(error)}`;
    if (error instanceof GiveUp) literalReaderCounts.gaveUp++;
    else literalReaderCounts.defects++;
    if (reason in literalReaderCounts.reasons || Object.keys(literalReaderCounts.reasons).length < MAX_REASONS) {
      literalReaderCounts.reasons[reason] = (literalReaderCounts.reasons[reason] ?? 0) + 1;
    }
    return null;
  }
}
