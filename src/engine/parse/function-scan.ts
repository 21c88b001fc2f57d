/**
 * Module-level functions and classes read from tokens, for the literal reader: every statement is
 * checked the way CPython's grammar has it (so a syntax error still sends the file to tree-sitter),
 * and a function's body yields the same facts `functions.ts` collects from tree-sitter's tree.
 *
 * Why not tree-sitter for these bodies: parsing them (web-tree-sitter's parse plus the Node
 * objects its API builds) cost a share of parse time far above their share of the bytes (see
 * docs/parser.md). What `functions.ts` collects depends on where nodes
 * start and end and on their pre-order, so this parser records the same nodes as events
 * (calls, `X.objects`, loops, assignments, nested defs, `for` headers) with their extents and
 * replays them in pre-order (start ascending, longer first) through the same decisions.
 *
 * Anything unusual gives up (GiveUp) and the whole file is read by tree-sitter instead: `match`,
 * `yield`, f-string fields that are expressions, walrus outside brackets and conditions,
 * parenthesized `with` items, `type` statements.
 */
import type { FunctionInfo } from '../types.js';
import { ITERATE_ALL, RANGE_LOOKUP, emptyFunctionInfo, finishBody, newBodyFacts, noteCall } from './function-facts.js';
import { decodeStringToken } from './literals.js';
import type { LineIndex } from './reader.js';
import { Arg, TokenView, checkArgumentOrder } from './token-view.js';
import type { Tokens } from './tokens.js';
import { C, GiveUp, KEYWORDS, Tok } from './tokens.js';

const PARAM_NAME = /[\p{L}_][\p{L}\p{N}_]*/u;
const MAX_DEPTH = 150;

const enum Ev {
  Call = 1,
  Manager = 2,
  ForHeader = 3,
  Loop = 4,
  Assign = 5,
  Def = 6,
}

interface Event {
  kind: Ev;
  start: number;
  end: number;
  /** Call: offset where the callee ends; Assign: where the value starts (-1: no value); ForHeader: where the `for` starts. */
  at: number;
  /** Call: token index of its `(`. */
  token: number;
  /** Assign: the target when it is a plain name; Def: the function; Manager: the model variable. */
  name: string | null;
}

/** Expression contexts. */
const enum Ctx {
  Plain = 0,
  /** Inside brackets or a condition: `:=` allowed. */
  Walrus = 1,
  /** A comprehension's iterable or filter: stops at `if`, `for`, `async`. */
  NoConditional = 2,
}

export class BodyParser extends TokenView {
  private i = 0;
  private depth = 0;
  private events: Event[] = [];
  /** Token indexes of names that are not uses of the schema editor (`se.connection.alias`). */
  private readonly notEditorUse = new Set<number>();
  private batches = false;
  /** The function's second parameter (the schema editor), '' when it has none. */
  private editor = '';

  constructor(
    t: Tokens,
    source: string,
    private readonly lines: LineIndex,
  ) {
    super(t, source);
  }

  /** Check a module-level class statement at token `at` (its body included); returns the token after it. */
  checkClass(at: number): number {
    this.events = [];
    this.i = at;
    this.compound(0);
    return this.i;
  }

  // The checks the module reader makes with this parser's grammar; each returns the token after
  // what it checked, and what it recorded is dropped.

  /** One expression at token `at`. */
  checkExpressionAt(at: number): number {
    return this.checked(at, () => this.expression(Ctx.Plain));
  }

  /** An `if`/`elif` condition at token `at`; returns the token index of its colon. */
  checkConditionAt(at: number): number {
    return this.checked(at, () => this.condition());
  }

  /** A compound statement (`for`, `while`…) at token `at`, at indentation `indent`, its blocks included. */
  checkCompoundAt(at: number, indent: number): number {
    return this.checked(at, () => this.compound(indent));
  }

  /** The `(…)` of a call (or, `generatorAllowed` false, of a class header) at token `at`. */
  checkArgumentsAt(at: number, generatorAllowed = true): number {
    return this.checked(at, () => this.argumentGroup(generatorAllowed));
  }

  /** The `[…]` of a subscript at token `at`. */
  checkSubscriptAt(at: number): number {
    return this.checked(at, () => this.subscript());
  }

  /** The parameters of the `lambda` at token `at`, as the tree reader names them, and the index of its colon. */
  lambdaParametersAt(at: number): { params: string[]; colon: number } {
    let params: string[] = [];
    const colon = this.checked(at + 1, () => {
      params = this.parameters(true);
    });
    return { params, colon };
  }

  private checked(at: number, check: () => void): number {
    const events = this.events.length;
    this.i = at;
    check();
    this.events.length = events;
    return this.i;
  }

  /**
   * Read the module-level function whose `def` (or `async`) is at token `at`; returns its facts
   * and leaves the cursor after it.
   */
  readFunction(at: number): { info: FunctionInfo; next: number } {
    this.i = at;
    const { name, params } = this.defHeader();
    this.editor = params[1] ?? '';
    if (!this.isOp(this.i, C.Colon)) throw new GiveUp('a def header without a colon');
    this.i++;
    if (this.kind[this.i] !== Tok.Newline) throw new GiveUp('a def with its body on the header line');
    this.i++;
    const bodyFrom = this.i;
    // What the tree reader scans: the body only (not the parameters or decorators).
    this.events = [];
    this.notEditorUse.clear();
    this.batches = false;
    this.block(0);
    const bodyTo = this.i;
    const info = emptyFunctionInfo(name, params, this.lines.line(this.start[at] as number), this.lines.line(this.functionEnd(bodyFrom, bodyTo)));
    this.collect(info, bodyFrom, bodyTo);
    return { info, next: bodyTo };
  }

  /**
   * Where tree-sitter ends the function: its last token, or a comment after it that is indented
   * at least as deep as the body (a shallower comment ends the function, and all after it).
   */
  private functionEnd(bodyFrom: number, bodyTo: number): number {
    // The last token before the body's final newline.
    const lastToken = bodyTo - 2;
    let end = this.end[lastToken] as number;
    const bodyIndent = this.indent[bodyFrom] as number;
    const { commentStarts, commentEnds } = this.t;
    const limit = this.kind[bodyTo] === Tok.End ? this.source.length : (this.start[bodyTo] as number);
    for (let c = firstAtOrAfter(commentStarts, end); c < commentStarts.length && (commentStarts[c] as number) < limit; c++) {
      const at = commentStarts[c] as number;
      const lineStart = this.source.lastIndexOf('\n', at - 1) + 1;
      const sameLine = this.source.slice(lineStart, at).trim() !== '';
      if (!sameLine && at - lineStart < bodyIndent) break;
      end = commentEnds[c] as number;
    }
    return end;
  }

  // ---------------------------------------------------------------- statements

  /** An indented block under a header at `parentIndent`; the cursor is on its first token. */
  private block(parentIndent: number): void {
    if (++this.depth > MAX_DEPTH) throw new GiveUp('nesting too deep');
    const blockIndent = this.indent[this.i] as number;
    if (this.kind[this.i] === Tok.End || blockIndent <= parentIndent) throw new GiveUp('an expected indented block');
    while (this.kind[this.i] !== Tok.End) {
      const indent = this.indent[this.i] as number;
      if (indent < blockIndent) {
        if (indent > parentIndent) throw new GiveUp('an unindent that matches no outer level');
        break;
      }
      if (indent > blockIndent) throw new GiveUp('an unexpected indent');
      this.statement(blockIndent);
    }
    this.depth--;
  }

  /** One statement at the cursor (a line's first token), at `indent`. */
  private statement(indent: number): void {
    if (this.isCompoundStart(this.i)) this.compound(indent);
    else this.simpleLine();
  }

  private isCompoundStart(at: number): boolean {
    if (this.isOp(at, C.At)) return true;
    if (this.kind[at] !== Tok.Name) return false;
    const word = this.text(at);
    if (word === 'async') return this.isName(at + 1, 'def') || this.isName(at + 1, 'for') || this.isName(at + 1, 'with');
    return word === 'if' || word === 'while' || word === 'for' || word === 'try' || word === 'with' || word === 'def' || word === 'class';
  }

  /** Simple statements separated by `;` up to the line's end. */
  private simpleLine(): void {
    for (;;) {
      this.simpleStatement();
      if (this.isOp(this.i, C.Semicolon)) {
        this.i++;
        if (this.kind[this.i] === Tok.Newline) break;
        continue;
      }
      break;
    }
    if (this.kind[this.i] !== Tok.Newline) throw new GiveUp('more after a statement on its line');
    this.i++;
  }

  private simpleStatement(): void {
    const at = this.i;
    if (this.kind[at] === Tok.Name) {
      const word = this.text(at);
      switch (word) {
        case 'pass':
        case 'break':
        case 'continue':
          this.i++;
          return;
        case 'return':
          this.i++;
          if (!this.endsSimple(this.i)) this.expressionList(Ctx.Plain, true);
          return;
        case 'raise':
          this.i++;
          if (!this.endsSimple(this.i)) {
            this.expression(Ctx.Plain);
            if (this.isName(this.i, 'from')) {
              this.i++;
              this.expression(Ctx.Plain);
            }
          }
          return;
        case 'assert':
          this.i++;
          this.expression(Ctx.Plain);
          if (this.isOp(this.i, C.Comma)) {
            this.i++;
            this.expression(Ctx.Plain);
          }
          return;
        case 'del':
          this.i++;
          this.targetList(true);
          return;
        case 'global':
        case 'nonlocal':
          this.i++;
          for (;;) {
            this.plainName();
            if (!this.isOp(this.i, C.Comma)) return;
            this.i++;
          }
        case 'import':
        case 'from':
          this.i = this.importStatement(at).next;
          return;
        case 'yield':
          // A statement `yield x` / `yield from x` (generator helpers); `yield` inside expressions gives up.
          this.i++;
          if (this.isName(this.i, 'from')) {
            this.i++;
            this.expression(Ctx.Plain);
          } else if (!this.endsSimple(this.i)) this.expressionList(Ctx.Plain, true);
          return;
        case 'await':
          throw new GiveUp('`await` in a function');
        case 'match':
        case 'type':
          // Soft keywords: `match x:` and `type X = …` statements are left to tree-sitter.
          if (this.lineEndsWithColon(at) || (word === 'type' && this.kind[at + 1] === Tok.Name)) throw new GiveUp(`a \`${word}\` statement`);
          break;
        default:
          if (KEYWORDS.has(word) && word !== 'not' && word !== 'lambda' && word !== 'True' && word !== 'False' && word !== 'None') throw new GiveUp(`a statement starting with \`${word}\``);
      }
    }
    this.expressionOrAssignment();
  }

  private endsSimple(at: number): boolean {
    return this.kind[at] === Tok.Newline || this.isOp(at, C.Semicolon);
  }

  private lineEndsWithColon(at: number): boolean {
    let cursor = at;
    while (this.kind[cursor] !== Tok.Newline && this.kind[cursor] !== Tok.End) cursor++;
    return this.isOp(cursor - 1, C.Colon);
  }

  /** `x = …`, `x += …`, `x: T = …`, or an expression. */
  private expressionOrAssignment(): void {
    const statementStart = this.start[this.i] as number;
    const firstFrom = this.i;
    this.expressionList(Ctx.Plain, true);
    const firstTo = this.i;
    if (this.isOp(this.i, C.Equals)) {
      // Chains: `a = b = value`; each `=` opens an assignment node over the rest of the statement.
      const opened: Event[] = [];
      let targetFrom = firstFrom;
      let targetTo = firstTo;
      let targetStart = statementStart;
      while (this.isOp(this.i, C.Equals)) {
        this.checkTarget(targetFrom, targetTo);
        this.i++;
        const valueFrom = this.i;
        const assign: Event = {
          kind: Ev.Assign,
          start: targetStart,
          end: 0,
          at: this.start[valueFrom] as number,
          token: 0,
          name: targetTo === targetFrom + 1 && this.kind[targetFrom] === Tok.Name ? this.text(targetFrom) : null,
        };
        opened.push(assign);
        this.events.push(assign);
        this.expressionList(Ctx.Plain, true);
        targetFrom = valueFrom;
        targetTo = this.i;
        targetStart = this.start[valueFrom] as number;
      }
      const end = this.end[this.i - 1] as number;
      for (const assign of opened) assign.end = end;
      return;
    }
    if (this.isAugmentedAssignment(this.i)) {
      this.checkTarget(firstFrom, firstTo, true);
      this.i++;
      this.expressionList(Ctx.Plain, true);
      return;
    }
    if (this.isOp(this.i, C.Colon)) {
      // `x: T` / `x: T = value`: one target, no tuple.
      this.checkTarget(firstFrom, firstTo, true);
      this.i++;
      this.expression(Ctx.Plain);
      const assign: Event = { kind: Ev.Assign, start: statementStart, end: 0, at: -1, token: 0, name: firstTo === firstFrom + 1 && this.kind[firstFrom] === Tok.Name ? this.text(firstFrom) : null };
      this.events.push(assign);
      if (this.isOp(this.i, C.Equals)) {
        this.i++;
        assign.at = this.start[this.i] as number;
        this.expressionList(Ctx.Plain, true);
      }
      assign.end = this.end[this.i - 1] as number;
    }
  }

  /** Tokens `from`..`to` must be an assignment target (or, `single`, one name/attribute/subscript). */
  private checkTarget(from: number, to: number, single = false): void {
    const save = this.i;
    // The target was read as an expression already: its events are recorded once.
    const events = this.events.length;
    this.i = from;
    if (single) this.target(false);
    else this.targetList(false);
    if (this.i !== to) throw new GiveUp('an expression that cannot be assigned to');
    this.events.length = events;
    this.i = save;
  }

  /** Targets separated by commas (as in `for a, (b, c) in …`, `del a, b`). */
  private targetList(forDel: boolean): void {
    for (;;) {
      this.target(!forDel);
      if (!this.isOp(this.i, C.Comma)) return;
      this.i++;
      if (this.isName(this.i, 'in') || this.isOp(this.i, C.Equals) || this.endsSimple(this.i) || this.isOp(this.i, C.RParen) || this.isOp(this.i, C.RBracket)) return;
    }
  }

  /** One target: a name, attribute, subscript, or a bracketed list of targets (optionally starred). */
  private target(starAllowed: boolean): void {
    if (this.isOp(this.i, C.Star)) {
      if (!starAllowed) throw new GiveUp('a starred target here');
      this.i++;
    }
    if (this.isOp(this.i, C.LParen) || this.isOp(this.i, C.LBracket)) {
      const close = this.isOp(this.i, C.LParen) ? C.RParen : C.RBracket;
      const atomEnd = this.matching(this.i);
      if (!this.isTrailerStart(atomEnd)) {
        this.i++;
        if (this.isOp(this.i, close)) throw new GiveUp('an empty target list');
        this.targetList(false);
        if (!this.isOp(this.i, close)) throw new GiveUp('a malformed target list');
        this.i++;
        return;
      }
    }
    // A primary whose last trailer is not a call.
    const from = this.i;
    const lastTrailer = this.primary();
    if (lastTrailer === -1 ? this.kind[from] !== Tok.Name : this.isOp(lastTrailer, C.LParen)) throw new GiveUp('an expression that cannot be assigned to');
    if (this.kind[from] === Tok.Name && KEYWORDS.has(this.text(from))) throw new GiveUp('a keyword as a target');
  }

  /** Token after the bracket group opened at `at`. */
  private matching(at: number): number {
    let depth = 0;
    for (let cursor = at; ; cursor++) {
      const k = this.kind[cursor];
      if (k === Tok.End) throw new GiveUp('an unclosed bracket');
      if (k !== Tok.Op) continue;
      const c = this.op[cursor];
      if (c === C.LParen || c === C.LBracket || c === C.LBrace) depth++;
      else if (c === C.RParen || c === C.RBracket || c === C.RBrace) {
        if (--depth === 0) return cursor + 1;
      }
    }
  }

  /** if / while / for / try / with / def / class / decorators, at `indent`. */
  private compound(indent: number): void {
    const at = this.i;
    if (this.isOp(at, C.At)) {
      this.decorators(indent);
      this.compound(indent);
      return;
    }
    const word = this.text(at);
    const start = this.start[at] as number;
    switch (word) {
      case 'if':
        this.ifStatement(indent);
        return;
      case 'while':
        this.whileStatement(indent, start);
        return;
      case 'for':
        this.forStatement(indent, start);
        return;
      case 'async':
        if (this.isName(at + 1, 'for')) {
          this.i++;
          this.forStatement(indent, start);
          return;
        }
        if (this.isName(at + 1, 'with')) {
          this.i++;
          this.withStatement(indent);
          return;
        }
        this.defStatement(indent, start);
        return;
      case 'try':
        this.tryStatement(indent);
        return;
      case 'with':
        this.withStatement(indent);
        return;
      case 'def':
        this.defStatement(indent, start);
        return;
      case 'class':
        this.i++;
        this.plainName();
        if (this.isOp(this.i, C.LParen)) this.argumentGroup(false);
        this.suiteAfterColon(indent);
        return;
      default:
        throw new GiveUp('an unknown compound statement');
    }
  }

  /** `@decorator` lines, which must lead to a `def` or `class` at the same indentation. */
  private decorators(indent: number): void {
    while (this.isOp(this.i, C.At)) {
      if (this.indent[this.i] !== indent) throw new GiveUp('a decorator at another indentation');
      this.i++;
      this.expression(Ctx.Plain);
      if (this.kind[this.i] !== Tok.Newline) throw new GiveUp('more after a decorator');
      this.i++;
    }
    if (this.indent[this.i] !== indent || !(this.isName(this.i, 'def') || this.isName(this.i, 'class') || (this.isName(this.i, 'async') && this.isName(this.i + 1, 'def')))) {
      throw new GiveUp('a decorator without a definition');
    }
  }

  private ifStatement(indent: number): void {
    this.i++;
    this.condition();
    this.suite(indent);
    while (this.atClause('elif', indent)) {
      this.i++;
      this.condition();
      this.suite(indent);
    }
    if (this.atClause('else', indent)) this.elseClause(indent);
  }

  private whileStatement(indent: number, start: number): void {
    const loop = this.openScope(Ev.Loop, start, null);
    this.i++;
    this.condition();
    this.suite(indent);
    if (this.atClause('else', indent)) this.elseClause(indent);
    loop.end = this.end[this.i - 2] as number;
  }

  private tryStatement(indent: number): void {
    this.i++;
    this.suiteAfterColon(indent);
    let handlers = 0;
    while (this.atClause('except', indent)) {
      handlers++;
      this.exceptClause(indent);
    }
    if (handlers > 0 && this.atClause('else', indent)) this.elseClause(indent);
    const final = this.atClause('finally', indent);
    if (final) {
      this.i++;
      this.suiteAfterColon(indent);
    }
    if (handlers === 0 && !final) throw new GiveUp('a try without except or finally');
  }

  /** `except`, `except*`, `except E`, `except E as name`, and its suite. */
  private exceptClause(indent: number): void {
    this.i++;
    if (this.isOp(this.i, C.Star)) this.i++;
    if (!this.isOp(this.i, C.Colon)) {
      this.expression(Ctx.Plain);
      if (this.isName(this.i, 'as')) {
        this.i++;
        this.plainName();
      }
    }
    this.suiteAfterColon(indent);
  }

  private atClause(word: string, indent: number): boolean {
    return this.isName(this.i, word) && this.indent[this.i] === indent;
  }

  private elseClause(indent: number): void {
    this.i++;
    this.suiteAfterColon(indent);
  }

  /** An `if`/`while` condition: an expression, where `:=` is allowed. */
  private condition(): void {
    this.expression(Ctx.Walrus);
    if (!this.isOp(this.i, C.Colon)) throw new GiveUp('a condition without a colon');
  }

  private suiteAfterColon(indent: number): void {
    if (!this.isOp(this.i, C.Colon)) throw new GiveUp('a clause without a colon');
    this.suite(indent);
  }

  /** The cursor is on a header's colon: a block on the next lines, or simple statements on this one. */
  private suite(indent: number): void {
    this.i++;
    if (this.kind[this.i] === Tok.Newline) {
      this.i++;
      this.block(indent);
    } else this.simpleLine();
  }

  private forStatement(indent: number, start: number): void {
    const loop = this.openScope(Ev.Loop, start, null);
    this.i++;
    this.targetList(false);
    if (!this.isName(this.i, 'in')) throw new GiveUp('a for without in');
    this.i++;
    this.expressionList(Ctx.Plain, true);
    if (!this.isOp(this.i, C.Colon)) throw new GiveUp('a for header without a colon');
    // The tree reader looks at the header text up to the body's first statement.
    const bodyAt = this.kind[this.i + 1] === Tok.Newline ? this.i + 2 : this.i + 1;
    this.events.push({ kind: Ev.ForHeader, start: this.start[bodyAt] as number, end: Number.MAX_SAFE_INTEGER, at: start, token: 0, name: null });
    this.suite(indent);
    if (this.atClause('else', indent)) this.elseClause(indent);
    loop.end = this.end[this.i - 2] as number;
  }

  private withStatement(indent: number): void {
    this.i++;
    if (this.isOp(this.i, C.LParen)) throw new GiveUp('a parenthesized with');
    for (;;) {
      this.expression(Ctx.Plain);
      if (this.isName(this.i, 'as')) {
        this.i++;
        this.target(false);
      }
      if (!this.isOp(this.i, C.Comma)) break;
      this.i++;
    }
    this.suiteAfterColon(indent);
  }

  /** A def nested in the body: its own scope, named for the get_model bookkeeping. */
  private defStatement(indent: number, start: number): void {
    // Events are replayed sorted by offset, so the scope may be opened after its parameters' events.
    const scope = this.openScope(Ev.Def, start, this.defHeader().name);
    this.suiteAfterColon(indent);
    scope.end = this.end[this.i - 2] as number;
  }

  /** `[async] def name(params) [-> annotation]`, up to the colon. */
  private defHeader(): { name: string; params: string[] } {
    if (this.isName(this.i, 'async')) this.i++;
    this.i++; // def
    const name = this.plainName();
    const params = this.parameters(false);
    if (this.kind[this.i] === Tok.OtherOp && this.text(this.i) === '->') {
      this.i++;
      this.expression(Ctx.Plain);
    }
    return { name, params };
  }

  private openScope(kind: Ev, start: number, name: string | null): Event {
    const event: Event = { kind, start, end: Number.MAX_SAFE_INTEGER, at: -1, token: 0, name };
    this.events.push(event);
    return event;
  }

  /**
   * `(a, b=1, *args, c: int = 2, **kw)` of a def, or (`lambda`) a lambda's up to its `:`; returns the
   * names as the tree reader reports them: the first name in each parameter.
   */
  private parameters(lambda: boolean): string[] {
    const params: string[] = [];
    if (!lambda) {
      if (!this.isOp(this.i, C.LParen)) throw new GiveUp('a def without parameters');
      this.i++;
    }
    const close = lambda ? C.Colon : C.RParen;
    const ends = (at: number): boolean => this.isOp(at, close);
    while (!ends(this.i)) {
      const from = this.i;
      if (this.isOp(this.i, C.Slash) || (this.isOp(this.i, C.Star) && (this.isOp(this.i + 1, C.Comma) || ends(this.i + 1)))) this.i++;
      else {
        if (this.isOp(this.i, C.Star)) this.i += this.isOp(this.i + 1, C.Star) ? 2 : 1;
        this.plainName();
        if (!lambda && this.isOp(this.i, C.Colon)) {
          this.i++;
          this.expression(Ctx.Plain);
        }
        if (this.isOp(this.i, C.Equals)) {
          this.i++;
          this.expression(Ctx.Plain);
        }
      }
      const param = PARAM_NAME.exec(this.source.slice(this.start[from], this.end[this.i - 1]));
      if (param) params.push(param[0]);
      if (this.isOp(this.i, C.Comma)) this.i++;
      else if (!ends(this.i)) throw new GiveUp('a malformed parameter list');
    }
    if (!lambda) this.i++;
    return params;
  }

  // ---------------------------------------------------------------- expressions

  /** `a, b, *c` (a tuple without brackets) or one expression. */
  private expressionList(ctx: Ctx, starAllowed: boolean): void {
    for (let items = 1; ; items++) {
      let starred = false;
      if (starAllowed && this.isOp(this.i, C.Star) && !this.isOp(this.i + 1, C.Star)) {
        this.i++;
        this.starred();
        starred = true;
      } else this.expression(ctx);
      if (!this.isOp(this.i, C.Comma)) {
        // `*a` alone is not an expression; `*a, b` and `a, *b` are tuples.
        if (starred && items === 1) throw new GiveUp('a starred expression alone');
        return;
      }
      // A trailing comma: `return a,` / `x = 1,`.
      this.i++;
      const at = this.i;
      if (this.endsSimple(at) || this.isOp(at, C.Equals) || this.isOp(at, C.Colon) || this.isOp(at, C.RParen) || this.isOp(at, C.RBracket) || this.isOp(at, C.RBrace) || this.isAugmentedAssignment(at)) return;
    }
  }

  /** One expression: a lambda, or operands and operators with conditional `if … else …`. */
  private expression(ctx: Ctx): void {
    if (this.isName(this.i, 'lambda')) {
      this.i++;
      this.parameters(true);
      this.i++;
      this.expression(ctx === Ctx.NoConditional ? Ctx.NoConditional : Ctx.Plain);
      return;
    }
    if ((ctx === Ctx.Walrus || ctx === Ctx.NoConditional) && this.kind[this.i] === Tok.Name && this.kind[this.i + 1] === Tok.OtherOp && this.text(this.i + 1) === ':=') {
      if (KEYWORDS.has(this.text(this.i))) throw new GiveUp('a keyword before :=');
      this.i += 2;
    }
    this.operandChain(ctx, true);
    if (ctx !== Ctx.NoConditional && this.isName(this.i, 'if')) {
      this.i++;
      this.operandChain(ctx, true);
      if (!this.isName(this.i, 'else')) throw new GiveUp('an if without else in an expression');
      this.i++;
      this.expression(ctx === Ctx.Walrus ? Ctx.Plain : ctx);
    }
  }

  /** Operands joined by binary, comparison and boolean operators. */
  private operandChain(ctx: Ctx, notAllowedAtStart: boolean): void {
    let notAllowed = notAllowedAtStart;
    for (;;) {
      for (;;) {
        if (this.kind[this.i] === Tok.Op && (this.op[this.i] === C.Minus || this.op[this.i] === C.Plus || this.op[this.i] === C.Tilde)) notAllowed = false;
        else if (this.isName(this.i, 'not')) {
          if (!notAllowed) throw new GiveUp('`not` after an operator that binds tighter');
        } else if (this.isName(this.i, 'await')) throw new GiveUp('`await` in a function');
        else break;
        this.i++;
      }
      this.primary();
      const length = this.binaryOperatorLength(this.i);
      if (length === 0) return;
      notAllowed = this.isName(this.i, 'and') || this.isName(this.i, 'or');
      this.i += length;
    }
  }

  /**
   * The operand after `*` or `**`. tree-sitter can read `*f(x)` as a call of `*f` (so its callee is
   * not a name), where Python calls `f`: a starred call gives up rather than disagree.
   */
  private starred(): void {
    const startOffset = this.start[this.i] as number;
    const before = this.events.length;
    this.operandChain(Ctx.Plain, false);
    for (let e = before; e < this.events.length; e++) {
      const event = this.events[e] as Event;
      if (event.kind === Ev.Call && event.start === startOffset) throw new GiveUp('a starred call');
    }
  }

  /** An atom and its trailers; returns the token index of the last trailer (-1: none). */
  private primary(): number {
    const from = this.i;
    const k = this.kind[from];
    const start = this.start[from] as number;
    if (k === Tok.Name) {
      const word = this.text(from);
      if (KEYWORDS.has(word) && word !== 'True' && word !== 'False' && word !== 'None') throw new GiveUp(`\`${word}\` in an expression`);
      this.i++;
    } else if (k === Tok.Number) this.i++;
    else if (k === Tok.String) {
      while (this.kind[this.i] === Tok.String) {
        if (this.op[this.i] === 1) throw new GiveUp('an f-string field that is an expression');
        this.i++;
      }
    } else if (this.isOp(from, C.LParen) || this.isOp(from, C.LBracket) || this.isOp(from, C.LBrace)) this.display();
    else if (this.isOp(from, C.Dot) && this.isOp(from + 1, C.Dot) && this.isOp(from + 2, C.Dot)) this.i += 3;
    else throw new GiveUp('an expression without an operand');
    let last = -1;
    let trailers = 0;
    for (;;) {
      const at = this.i;
      if (this.isOp(at, C.Dot)) {
        if (this.kind[at + 1] !== Tok.Name || KEYWORDS.has(this.text(at + 1))) throw new GiveUp('a dot not followed by a name');
        const attribute = this.text(at + 1);
        // `X.objects`: an attribute node whose object is a plain name.
        if (trailers === 0 && k === Tok.Name && (attribute === 'objects' || attribute === '_default_manager')) {
          this.events.push({ kind: Ev.Manager, start, end: this.end[at + 1] as number, at: 0, token: from, name: this.text(from) });
        }
        // `se.connection.alias` / `.vendor` only name the database: not a use of the editor.
        if (trailers === 1 && k === Tok.Name && this.isOp(from + 1, C.Dot) && this.isName(from + 2, 'connection') && (attribute === 'alias' || attribute === 'vendor') && this.isName(from, this.editor)) {
          this.notEditorUse.add(from).add(from + 2).add(at + 1);
        }
        this.i = at + 2;
      } else if (this.isOp(at, C.LParen)) {
        const call: Event = { kind: Ev.Call, start, end: 0, at: this.end[at - 1] as number, token: at, name: null };
        this.events.push(call);
        this.argumentGroup();
        call.end = this.end[this.i - 1] as number;
      } else if (this.isOp(at, C.LBracket)) this.subscript();
      else break;
      last = at;
      trailers++;
    }
    return last;
  }

  /** `(…)` after a callee or a class name: arguments, or (calls only) one generator expression. */
  private argumentGroup(generatorAllowed = true): void {
    const open = this.i;
    this.i++;
    if (this.isOp(this.i, C.RParen)) {
      this.i++;
      return;
    }
    let count = 0;
    let seen = 0;
    while (!this.isOp(this.i, C.RParen)) {
      count++;
      if (this.isOp(this.i, C.Star)) {
        const double = this.isOp(this.i + 1, C.Star);
        seen = checkArgumentOrder(seen, double ? Arg.DoubleStar : Arg.Star);
        this.i += double ? 2 : 1;
        this.starred();
      } else if (this.kind[this.i] === Tok.Name && this.isOp(this.i + 1, C.Equals)) {
        seen = checkArgumentOrder(seen, Arg.Keyword);
        const name = this.text(this.i);
        if (KEYWORDS.has(name)) throw new GiveUp('a keyword as an argument name');
        if (name === 'chunk_size' || RANGE_LOOKUP.test(name)) this.batches = true;
        this.i += 2;
        this.expression(Ctx.Plain);
      } else {
        seen = checkArgumentOrder(seen, Arg.Positional);
        this.expression(Ctx.Walrus);
        if (this.isName(this.i, 'for') || (this.isName(this.i, 'async') && this.isName(this.i + 1, 'for'))) {
          // `f(x for x in y)`: the generator is the only argument, its node the parentheses.
          if (count !== 1 || !generatorAllowed) throw new GiveUp('a generator that is not the only argument of a call');
          const loop = this.openScope(Ev.Loop, this.start[open] as number, null);
          this.comprehensionClauses();
          if (!this.isOp(this.i, C.RParen)) throw new GiveUp('a generator argument with more after it');
          loop.end = this.end[this.i] as number;
          this.i++;
          return;
        }
      }
      if (this.isOp(this.i, C.Comma)) this.i++;
      else if (!this.isOp(this.i, C.RParen)) throw new GiveUp('a malformed argument list');
    }
    this.i++;
  }

  /** `[…]` after a primary: indexes and slices (a slice means batching to the tree reader). */
  private subscript(): void {
    this.i++;
    if (this.isOp(this.i, C.RBracket)) throw new GiveUp('an empty subscript');
    while (!this.isOp(this.i, C.RBracket)) {
      if (this.isOp(this.i, C.Comma)) throw new GiveUp('an empty subscript item');
      if (this.isOp(this.i, C.Star)) {
        this.i++;
        this.starred();
      } else {
        let parts = 0;
        for (;;) {
          if (!this.isOp(this.i, C.Colon) && !this.isOp(this.i, C.Comma) && !this.isOp(this.i, C.RBracket)) this.expression(Ctx.Walrus);
          if (!this.isOp(this.i, C.Colon)) break;
          this.batches = true;
          if (++parts > 2) throw new GiveUp('a slice with too many colons');
          this.i++;
        }
      }
      if (this.isOp(this.i, C.Comma)) this.i++;
      else if (!this.isOp(this.i, C.RBracket)) throw new GiveUp('a malformed subscript');
    }
    this.i++;
  }

  /** `(…)`, `[…]`, `{…}` as atoms: tuples, lists, dicts, sets and their comprehensions. */
  private display(): void {
    const open = this.i;
    const opener = this.op[open];
    const close = opener === C.LParen ? C.RParen : opener === C.LBracket ? C.RBracket : C.RBrace;
    this.i++;
    if (this.isOp(this.i, close)) {
      this.i++;
      return;
    }
    if (opener === C.LParen && (this.isName(this.i, 'yield') || this.isName(this.i, 'await'))) throw new GiveUp('yield or await in parentheses');
    let dict: boolean | null = null;
    let items = 0;
    while (!this.isOp(this.i, close)) {
      items++;
      if (this.isOp(this.i, C.Star) && this.isOp(this.i + 1, C.Star)) {
        if (opener !== C.LBrace || dict === false) throw new GiveUp('a misplaced **');
        dict = true;
        this.i += 2;
        this.starred();
      } else if (this.isOp(this.i, C.Star)) {
        if (opener === C.LBrace && dict === true) throw new GiveUp('* in a dict');
        if (opener === C.LBrace) dict = false;
        this.i++;
        this.starred();
        // `(*a)` is not a tuple: only `(*a,)` is.
        if (opener === C.LParen && items === 1 && this.isOp(this.i, C.RParen)) throw new GiveUp('a starred expression alone in parentheses');
      } else {
        this.expression(Ctx.Walrus);
        if (opener === C.LBrace) {
          const pair = this.isOp(this.i, C.Colon);
          if (dict === null) dict = pair;
          else if (dict !== pair) throw new GiveUp('dict and set items mixed');
          if (pair) {
            this.i++;
            this.expression(Ctx.Plain);
          }
        }
        if (items === 1 && (this.isName(this.i, 'for') || (this.isName(this.i, 'async') && this.isName(this.i + 1, 'for')))) {
          const loop = this.openScope(Ev.Loop, this.start[open] as number, null);
          this.comprehensionClauses();
          if (!this.isOp(this.i, close)) throw new GiveUp('a comprehension with more after it');
          loop.end = this.end[this.i] as number;
          this.i++;
          return;
        }
      }
      if (this.isOp(this.i, C.Comma)) this.i++;
      else if (!this.isOp(this.i, close)) throw new GiveUp('a malformed display');
    }
    this.i++;
  }

  /** `for targets in iterable [if cond]…` clauses of a comprehension. */
  private comprehensionClauses(): void {
    for (;;) {
      if (this.isName(this.i, 'async') && this.isName(this.i + 1, 'for')) this.i++;
      if (!this.isName(this.i, 'for')) return;
      this.i++;
      this.targetList(false);
      if (!this.isName(this.i, 'in')) throw new GiveUp('a comprehension without in');
      this.i++;
      this.operandChain(Ctx.NoConditional, true);
      while (this.isName(this.i, 'if')) {
        this.i++;
        this.operandChain(Ctx.NoConditional, true);
      }
    }
  }

  // ---------------------------------------------------------------- tokens

  private plainName(): string {
    if (this.kind[this.i] !== Tok.Name || KEYWORDS.has(this.text(this.i))) throw new GiveUp('a name expected');
    return this.text(this.i++);
  }

  // ---------------------------------------------------------------- facts

  /** Replay the body's events in pre-order and fill `info` the way `functions.ts` does. */
  private collect(info: FunctionInfo, bodyFrom: number, bodyTo: number): void {
    const schemaEditor = info.params[1] ?? null;
    if (schemaEditor) {
      for (let at = bodyFrom; at < bodyTo; at++) {
        if (this.kind[at] === Tok.Name && !this.notEditorUse.has(at) && this.isName(at, schemaEditor)) {
          info.usesSchemaEditor = true;
          break;
        }
      }
    }
    info.batches = this.batches;
    const events = this.events.slice().sort((a, b) => a.start - b.start || b.end - a.end);
    const scopes: Event[] = [];
    const facts = newBodyFacts(info);
    const nestedParents = new Map<string, string | null>();
    let loopDepth = 0;
    for (const event of events) {
      while (scopes.length > 0 && (scopes[scopes.length - 1] as Event).end <= event.start) {
        const closed = scopes.pop() as Event;
        if (closed.kind === Ev.Loop) loopDepth--;
      }
      let nestedIn: string | null = null;
      let assign: Event | null = null;
      for (let s = scopes.length - 1; s >= 0; s--) {
        const scope = scopes[s] as Event;
        if (scope.kind === Ev.Def && nestedIn === null) nestedIn = scope.name;
        if (scope.kind === Ev.Assign && assign === null) assign = scope;
      }
      switch (event.kind) {
        case Ev.Loop:
          loopDepth++;
          scopes.push(event);
          break;
        case Ev.Assign:
          scopes.push(event);
          break;
        case Ev.Def:
          nestedParents.set(event.name as string, nestedIn);
          scopes.push(event);
          break;
        case Ev.Manager:
          info.managerUses.push({ name: event.name as string, line: this.lines.line(event.start) });
          break;
        case Ev.ForHeader: {
          const header = this.source.slice(event.at, event.start);
          if (ITERATE_ALL.test(header)) info.bulkWrites.push({ kind: 'iterate_all', line: this.lines.line(event.at) });
          break;
        }
        case Ev.Call:
          noteCall(facts, {
            calleeText: this.source.slice(event.start, event.at),
            line: this.lines.line(event.start),
            loopDepth,
            owner: nestedIn,
            assignedTo: assign && assign.at === event.start ? assign.name : null,
            positionalStrings: () => this.positionalStrings(event.token),
            argumentsText: () => this.argumentsText(event.token),
          });
          break;
      }
    }
    finishBody(facts, nestedParents);
  }

  /** The source of the argument list opened at token `open`, parentheses included. */
  private argumentsText(open: number): string {
    let depth = 0;
    for (let at = open; at < this.kind.length; at++) {
      if (this.kind[at] !== Tok.Op) continue;
      const c = this.op[at];
      if (c === C.LParen || c === C.LBracket || c === C.LBrace) depth++;
      else if ((c === C.RParen || c === C.RBracket || c === C.RBrace) && --depth === 0) return this.source.slice(this.start[open] as number, this.end[at] as number);
    }
    return '';
  }

  /**
   * The get_model arguments the tree reader looks at: each positional argument is its string
   * value when it is a single plain string token, else null; keyword arguments are skipped.
   */
  private positionalStrings(open: number): Array<string | null> {
    const strings: Array<string | null> = [];
    let at = open + 1;
    if (this.isOp(at, C.RParen)) return strings;
    let pieceFrom = at;
    let depth = 0;
    for (;; at++) {
      const k = this.kind[at];
      if (k === Tok.Op) {
        const c = this.op[at];
        if (c === C.LParen || c === C.LBracket || c === C.LBrace) depth++;
        else if (c === C.RParen || c === C.RBracket || c === C.RBrace) depth--;
      } else if (depth === 0 && (this.isName(at, 'for') || this.isName(at, 'async'))) return [];
      const ends = depth < 0 || (depth === 0 && this.isOp(at, C.Comma));
      if (ends) {
        if (at > pieceFrom) {
          const keyword = this.kind[pieceFrom] === Tok.Name && this.isOp(pieceFrom + 1, C.Equals);
          if (!keyword) {
            if (at === pieceFrom + 1 && this.kind[pieceFrom] === Tok.String) {
              const decoded = decodeStringToken(this.text(pieceFrom));
              strings.push(decoded && !decoded.formatted ? decoded.value : null);
            } else strings.push(null);
          }
        }
        pieceFrom = at + 1;
        if (depth < 0) return strings;
      }
    }
  }
}

/** Index of the first value ≥ `offset` in a sorted array. */
function firstAtOrAfter(values: readonly number[], offset: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((values[mid] as number) < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
