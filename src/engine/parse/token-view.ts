/**
 * Read access to a token list (`tokens.ts`) for the two readers built on it, the module reader
 * (`literal-module.ts`) and the body parser (`function-scan.ts`): the tests both make on tokens,
 * Python's order of call arguments, and import statements.
 */
import type { Tokens } from './tokens.js';
import { C, GiveUp, KEYWORDS, Tok } from './tokens.js';

/** The lexer's two-character operators that make an augmented assignment (`**=` is `*` then `*=`). */
const AUGMENTED = /^[-+*/%&|^@]=$/;

/** The kinds of call argument, for Python's rule on their order. */
export const enum Arg {
  Positional = 0,
  Star = 1,
  Keyword = 2,
  DoubleStar = 3,
}

/**
 * Python's order for call arguments (CPython rejects the rest, tree-sitter reads them some other
 * way): nothing positional after a keyword or `**`, no `*` after `**`. `seen` is the mask
 * returned for the arguments before (start with 0).
 */
export function checkArgumentOrder(seen: number, arg: Arg): number {
  if (arg === Arg.Positional && seen !== 0) throw new GiveUp('a positional argument after a keyword argument');
  if (arg === Arg.Star && (seen & 2) !== 0) throw new GiveUp('an unpacked iterable after **');
  return arg === Arg.Keyword ? seen | 1 : arg === Arg.DoubleStar ? seen | 2 : seen;
}

/** An import statement: `import a.b as c, d` (module null) or `from .m import x as y` / `*`. */
export interface ImportStatement {
  module: string | null;
  names: Array<{ path: string; alias: string | null }>;
  wildcard: boolean;
  /** The token after the statement's names. */
  next: number;
}

export class TokenView {
  protected readonly kind: Uint8Array;
  protected readonly start: Int32Array;
  protected readonly end: Int32Array;
  protected readonly op: Uint16Array;
  protected readonly indent: Int32Array;

  constructor(
    protected readonly t: Tokens,
    protected readonly source: string,
  ) {
    this.kind = t.kind;
    this.start = t.start;
    this.end = t.end;
    this.op = t.op;
    this.indent = t.indent;
  }

  protected text(at: number): string {
    return this.source.slice(this.start[at], this.end[at]);
  }

  protected isName(at: number, word: string): boolean {
    return this.kind[at] === Tok.Name && this.end[at]! - this.start[at]! === word.length && this.source.startsWith(word, this.start[at]);
  }

  protected isOp(at: number, code: number): boolean {
    return this.kind[at] === Tok.Op && this.op[at] === code;
  }

  protected isTrailerStart(at: number): boolean {
    return this.kind[at] === Tok.Op && (this.op[at] === C.Dot || this.op[at] === C.LParen || this.op[at] === C.LBracket);
  }

  /** Tokens taken by the binary, comparison or boolean operator at `at` (0: none there). */
  protected binaryOperatorLength(at: number): number {
    const k = this.kind[at];
    if (k === Tok.Op) {
      const c = this.op[at];
      if (c === C.Star || c === C.Slash || c === C.Less || c === C.Greater) return this.isOp(at + 1, c) ? 2 : 1;
      return c === C.Plus || c === C.Minus || c === C.Percent || c === C.At || c === C.Amp || c === C.Pipe || c === C.Caret ? 1 : 0;
    }
    if (k === Tok.OtherOp) {
      const text = this.text(at);
      return text === '==' || text === '!=' || text === '<=' || text === '>=' ? 1 : 0;
    }
    if (k !== Tok.Name) return 0;
    const word = this.text(at);
    if (word === 'and' || word === 'or' || word === 'in') return 1;
    if (word === 'is') return this.isName(at + 1, 'not') ? 2 : 1;
    if (word === 'not') return this.isName(at + 1, 'in') ? 2 : 0;
    return 0;
  }

  protected isAugmentedAssignment(at: number): boolean {
    return this.kind[at] === Tok.OtherOp && AUGMENTED.test(this.text(at));
  }

  /** Read the `import …` or `from … import …` statement at `at` (Python's grammar; anything else gives up). */
  protected importStatement(at: number): ImportStatement {
    let i = at + 1;
    const name = (): string => {
      if (this.kind[i] !== Tok.Name || KEYWORDS.has(this.text(i))) throw new GiveUp('a name expected in an import');
      return this.text(i++);
    };
    const dotted = (): string => {
      let path = name();
      while (this.isOp(i, C.Dot)) {
        i++;
        path += `.${name()}`;
      }
      return path;
    };
    const alias = (): string | null => {
      if (!this.isName(i, 'as')) return null;
      i++;
      return name();
    };
    const names: ImportStatement['names'] = [];
    if (this.isName(at, 'import')) {
      for (;;) {
        const path = dotted();
        names.push({ path, alias: alias() });
        if (!this.isOp(i, C.Comma)) return { module: null, names, wildcard: false, next: i };
        i++;
      }
    }
    let module = '';
    while (this.isOp(i, C.Dot)) {
      module += '.';
      i++;
    }
    if (!this.isName(i, 'import')) module += dotted();
    if (module === '' || !this.isName(i, 'import')) throw new GiveUp('a from-import without a module or import');
    i++;
    if (this.isOp(i, C.Star)) return { module, names, wildcard: true, next: i + 1 };
    const parenthesized = this.isOp(i, C.LParen);
    if (parenthesized) i++;
    for (;;) {
      // `from m import a.b` is not Python: imported names are single names.
      const path = name();
      names.push({ path, alias: alias() });
      if (!this.isOp(i, C.Comma)) break;
      i++;
      if (parenthesized && this.isOp(i, C.RParen)) break;
    }
    if (parenthesized) {
      if (!this.isOp(i, C.RParen)) throw new GiveUp('an unclosed import list');
      i++;
    }
    return { module, names, wildcard: false, next: i };
  }
}
