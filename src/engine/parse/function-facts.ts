/**
 * The decisions both function readers (tree-sitter's `functions.ts` and the token-based
 * `function-scan.ts`) make about what they find in a RunPython callable's body, kept in one place
 * so the two cannot drift apart.
 */
import type { FunctionInfo } from '../types.js';
import { dottedPath } from './literals.js';

/** `pk__gt=…`-style keyword arguments: the body walks the table in key ranges. */
export const RANGE_LOOKUP = /^(?:pk|id)__(?:gt|gte|lt|lte|range)$/;
/** `bulk_create([Model(...), ...])` / `bulk_create((...))`: the rows are in the source. */
const LITERAL_LIST_ARGUMENT = /^\(\s*[[(]\s*(?:[\w.]+\s*\(|\]|\))/;
/** A queryset of at most one row: `.get(...)`, `.filter(pk=…)` / `.filter(id=…)` with that lookup alone, `.first()` / `.last()`. */
const ONE_ROW_RECEIVER = /(?:\.get\([^()]*(?:\([^()]*\)[^()]*)*\)|\.filter\(\s*(?:pk|id)\s*=\s*[^,()]+\)|\.(?:first|last)\(\))\s*$/;
const QUERYSET_HINT = /\.objects\b|\._default_manager\b|\.filter\(|\.exclude\(|\.all\(\)|\.using\(|\bqs\b|queryset/i;
/** A `for` header that iterates a whole manager: `for x in Model.objects.all():`. */
export const ITERATE_ALL = /\.objects\s*(?:\.\s*(?:all|iterator)\s*\(\s*\))?\s*:\s*$/;
const METHOD = /([\p{L}_][\p{L}\p{N}_]*)\s*$/u;

/** What a reader accumulates over one function body. */
export interface BodyFacts {
  info: FunctionInfo;
  /** Dotted callees in pre-order, first occurrence first. */
  calls: Set<string>;
  /** Variables assigned from `apps.get_model(...)`. */
  modelVariables: Set<string>;
  /** get_model calls with the nested function they are made in (kept only if it runs). */
  getModel: Array<{ owner: string | null; call: FunctionInfo['getModelCalls'][number] }>;
}

/** A function's facts before its body is read. */
export function emptyFunctionInfo(name: string, params: string[], line: number, endLine: number): FunctionInfo {
  return { name, params, line, endLine, getModelCalls: [], managerUses: [], usesSchemaEditor: false, bulkWrites: [], batches: false, calls: [], executedSql: [] };
}

export function newBodyFacts(info: FunctionInfo): BodyFacts {
  return { info, calls: new Set(), modelVariables: new Set(), getModel: [] };
}

/** One call node, visited in pre-order. */
export interface CallSite {
  /** Source text of the callee expression. */
  calleeText: string;
  line: number;
  /** Loops (for, while, comprehensions) around the call. */
  loopDepth: number;
  /** The nested function the call is in (null: the body itself). */
  owner: string | null;
  /** The variable the call's value is assigned to directly (`X = call(...)`), else null. */
  assignedTo: string | null;
  /** For get_model: each positional argument's string value, or null when it is not a plain string. */
  positionalStrings(): Array<string | null>;
  /** The argument list as written, parentheses included (read only for bulk_create). */
  argumentsText(): string;
}

/**
 * The name at the end of a callee (`objects.update` → `update`), scanning back from the end: the
 * anchored regex it replaces retried from every offset of every callee. Non-ASCII text takes the
 * regex, which knows Unicode letters.
 */
export function lastName(text: string): string {
  let end = text.length;
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
  let start = end;
  for (;;) {
    if (start === 0) break;
    const c = text.charCodeAt(start - 1);
    if (c >= 0x80) return METHOD.exec(text)?.[1] ?? '';
    if (!isWordChar(c)) break;
    start--;
  }
  // The name must not start with a digit: back over leading digits as the regex would.
  while (start < end && text.charCodeAt(start) >= 0x30 && text.charCodeAt(start) <= 0x39) start++;
  return text.slice(start, end);
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
}

export function noteCall(facts: BodyFacts, site: CallSite): void {
  const { info } = facts;
  const { calleeText, line } = site;
  const callee = dottedPath(calleeText);
  if (callee) facts.calls.add(callee);
  const method = lastName(calleeText);
  const receiver = calleeText.slice(0, Math.max(0, calleeText.length - method.length)).replace(/\s*\.\s*$/, '');
  if (method === 'get_model') {
    const strings = site.positionalStrings();
    let app: string | null = null;
    let model: string | null = null;
    if (strings.length >= 2) [app, model] = [strings[0] ?? null, strings[1] ?? null];
    else if (strings.length === 1 && strings[0]) {
      const dot = strings[0].indexOf('.');
      [app, model] = dot === -1 ? [null, strings[0]] : [strings[0].slice(0, dot), strings[0].slice(dot + 1)];
    }
    const variable = site.assignedTo;
    if (variable) facts.modelVariables.add(variable);
    facts.getModel.push({ owner: site.owner, call: { app, model, variable, line } });
    return;
  }
  if (method === 'execute' || method === 'executemany') {
    // Raw SQL through a cursor or the schema editor: the first argument when it is a plain string literal.
    const sql = site.positionalStrings()[0];
    if (sql) info.executedSql.push({ sql, line });
  }
  const onQueryset = QUERYSET_HINT.test(receiver) || [...facts.modelVariables].some((name) => receiver === name || receiver.startsWith(`${name}.`));
  if (method === 'bulk_update') info.bulkWrites.push({ kind: method, line });
  // A list written out in the source is a handful of rows (seed data), not a backfill.
  else if (method === 'bulk_create' && !LITERAL_LIST_ARGUMENT.test(site.argumentsText())) info.bulkWrites.push({ kind: method, line });
  else if ((method === 'update' || method === 'delete') && receiver !== '' && onQueryset && !ONE_ROW_RECEIVER.test(receiver)) info.bulkWrites.push({ kind: method, line });
  else if (method === 'save' && receiver !== '' && site.loopDepth > 0) info.bulkWrites.push({ kind: 'save', line });
  if (site.loopDepth > 0 && /(?:^|\.)atomic$/.test(callee ?? '')) info.batches = true;
  if (method === 'Paginator') info.batches = true;
}

/**
 * Finish: a function defined inside the body runs with it only when the body calls it; one that is
 * only passed along (a `post_migrate` handler, a callback) runs later, with the `apps` it is given
 * then, so its get_model calls are not the migration's.
 */
export function finishBody(facts: BodyFacts, nestedParents: ReadonlyMap<string, string | null>): void {
  const runs = (owner: string | null): boolean => {
    for (let current = owner, hops = 0; current !== null && hops < 50; current = nestedParents.get(current) ?? null, hops++) {
      if (!facts.calls.has(current)) return false;
    }
    return true;
  };
  for (const entry of facts.getModel) if (runs(entry.owner)) facts.info.getModelCalls.push(entry.call);
  facts.info.calls = [...facts.calls];
}
