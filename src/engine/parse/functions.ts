/**
 * Facts about module-level functions (RunPython callables): which models they fetch, which
 * managers they touch, whether they write in bulk or in batches, whether they use schema_editor.
 */
import type { Node } from 'web-tree-sitter';
import type { FunctionInfo } from '../types.js';
import { decodeStringToken, dottedPath } from './literals.js';
import type { LineIndex } from './reader.js';
import type { TreeWalker } from './walker.js';

const RANGE_LOOKUP = /^(?:pk|id)__(?:gt|gte|lt|lte|range)$/;
const QUERYSET_HINT = /\.objects\b|\._default_manager\b|\.filter\(|\.exclude\(|\.all\(\)|\.using\(|\bqs\b|queryset/i;
const LOOPS = new Set(['for_statement', 'while_statement', 'list_comprehension', 'set_comprehension', 'generator_expression', 'dictionary_comprehension']);
const MAX_DEPTH = 200;

interface ScanState {
  info: FunctionInfo;
  walker: TreeWalker;
  source: string;
  lines: LineIndex;
  schemaEditor: string | null;
  modelVariables: Set<string>;
  calls: Set<string>;
  loopDepth: number;
  /** Variable and value offset of the assignment around the node, for `X = apps.get_model(...)`. */
  assignTarget: string | null;
  assignValueStart: number;
  /** The innermost function defined inside the body that the walk is in (null: the body itself). */
  nestedIn: string | null;
  /** Nested function name → the nested function it is defined in. */
  nestedParents: Map<string, string | null>;
  /** get_model calls in walk order, with the nested function they are made in (kept only if it runs). */
  getModel: Array<{ owner: string | null; call: FunctionInfo['getModelCalls'][number] }>;
}

export function readFunction(node: Node, walker: TreeWalker, source: string, lines: LineIndex): FunctionInfo | null {
  const nameNode = node.childForFieldName('name');
  const body = node.childForFieldName('body');
  if (!nameNode) return null;
  const params = readParams(node.childForFieldName('parameters'), source);
  const info: FunctionInfo = {
    name: source.slice(nameNode.startIndex, nameNode.endIndex),
    params,
    line: node.startPosition.row + 1,
    endLine: node.endPosition.row + 1,
    getModelCalls: [],
    managerUses: [],
    usesSchemaEditor: false,
    bulkWrites: [],
    batches: false,
    calls: [],
  };
  if (!body) return info;
  const state: ScanState = {
    info,
    walker,
    source,
    lines,
    schemaEditor: params[1] ?? null,
    modelVariables: new Set(),
    calls: new Set(),
    loopDepth: 0,
    assignTarget: null,
    assignValueStart: -1,
    nestedIn: null,
    nestedParents: new Map(),
    getModel: [],
  };
  walker.enter(body);
  try {
    scan(state, 0);
  } finally {
    walker.leave();
  }
  keepCalledNestedGetModel(state);
  info.calls = [...state.calls];
  return info;
}

/**
 * A function defined inside the body runs with it only when the body calls it; one that is only
 * passed along (a `post_migrate` handler, a callback) runs later, with the `apps` it is given
 * then, so its get_model calls are not the migration's.
 */
function keepCalledNestedGetModel(state: ScanState): void {
  const runs = (owner: string | null): boolean => {
    for (let current = owner, hops = 0; current !== null && hops < 50; current = state.nestedParents.get(current) ?? null, hops++) {
      if (!state.calls.has(current)) return false;
    }
    return true;
  };
  for (const entry of state.getModel) if (runs(entry.owner)) state.info.getModelCalls.push(entry.call);
}

function readParams(parameters: Node | null, source: string): string[] {
  if (!parameters) return [];
  const params: string[] = [];
  for (const child of parameters.namedChildren) {
    if (!child || child.type === 'comment') continue;
    const name = /[\p{L}_][\p{L}\p{N}_]*/u.exec(source.slice(child.startIndex, child.endIndex));
    if (name) params.push(name[0]);
  }
  return params;
}

/**
 * Pre-order walk of a function body with the walker only (no Node objects): each node costs its
 * type, and its offsets where the text matters.
 */
function scan(state: ScanState, depth: number): void {
  if (depth > MAX_DEPTH) return;
  const w = state.walker;
  const typeId = w.typeId();
  const type = w.names[typeId] as string;
  const { source } = state;
  const loop = LOOPS.has(type);
  switch (type) {
    case 'call':
      readCall(state);
      break;
    case 'attribute': {
      const start = w.start();
      const value = source.slice(start, w.end());
      const manager = /^([\p{L}_][\p{L}\p{N}_]*)\s*\.\s*(?:objects|_default_manager)$/u.exec(value);
      if (manager) state.info.managerUses.push({ name: manager[1] as string, line: state.lines.line(start) });
      // `schema_editor.connection.alias` / `.vendor` only name the database: not a use.
      if (state.schemaEditor && dottedPath(value)?.match(/^([^.]+)\.connection\.(?:alias|vendor)$/)?.[1] === state.schemaEditor) return;
      break;
    }
    case 'identifier': {
      const editor = state.schemaEditor;
      if (editor) {
        const start = w.start();
        const end = w.end();
        if (end - start === editor.length && source.startsWith(editor, start)) state.info.usesSchemaEditor = true;
      }
      return;
    }
    case 'slice':
      state.info.batches = true;
      break;
    case 'keyword_argument': {
      if (w.firstChild()) {
        const key = source.slice(w.start(), w.end());
        w.parent();
        if (key === 'chunk_size' || RANGE_LOOKUP.test(key)) state.info.batches = true;
      }
      break;
    }
    case 'string':
    case 'comment':
    case 'integer':
    case 'float':
      return;
    default:
  }
  const start = type === 'for_statement' || type === 'assignment' ? w.start() : -1;
  if (!w.firstChild()) return;
  if (loop) state.loopDepth++;
  const outerTarget = state.assignTarget;
  const outerValueStart = state.assignValueStart;
  const outerNested = state.nestedIn;
  let afterEquals = false;
  let first = true;
  do {
    if (type === 'assignment') {
      const childId = w.typeId();
      if (first) state.assignTarget = w.names[childId] === 'identifier' ? source.slice(w.start(), w.end()) : null;
      else if (afterEquals && w.named[childId] === 1) {
        state.assignValueStart = w.start();
        afterEquals = false;
      } else if (w.names[childId] === '=') afterEquals = true;
    } else if (type === 'for_statement' && w.type() === 'block') {
      const header = source.slice(start, w.start());
      if (/\.objects\s*(?:\.\s*(?:all|iterator)\s*\(\s*\))?\s*:\s*$/.test(header)) {
        state.info.bulkWrites.push({ kind: 'iterate_all', line: state.lines.line(start) });
      }
    } else if (type === 'function_definition' && first === false && state.nestedIn === outerNested && w.type() === 'identifier') {
      // The first identifier after `def` (or `async def`) names the nested function.
      const name = source.slice(w.start(), w.end());
      state.nestedParents.set(name, outerNested);
      state.nestedIn = name;
    }
    first = false;
    scan(state, depth + 1);
  } while (w.nextSibling());
  w.parent();
  state.assignTarget = outerTarget;
  state.assignValueStart = outerValueStart;
  state.nestedIn = outerNested;
  if (loop) state.loopDepth--;
}

function readCall(state: ScanState): void {
  const w = state.walker;
  const { source } = state;
  const start = w.start();
  if (!w.firstChild()) return;
  const calleeText = source.slice(start, w.end());
  const callee = dottedPath(calleeText);
  if (callee) state.calls.add(callee);
  const method = /([\p{L}_][\p{L}\p{N}_]*)\s*$/u.exec(calleeText)?.[1] ?? '';
  const receiver = calleeText.slice(0, Math.max(0, calleeText.length - method.length)).replace(/\s*\.\s*$/, '');
  const line = state.lines.line(start);
  if (method === 'get_model') {
    const strings: Array<string | null> = [];
    if (w.nextSibling() && w.type() === 'argument_list' && w.firstChild()) {
      do {
        const typeId = w.typeId();
        const type = w.names[typeId] as string;
        if (type === 'string') {
          const decoded = decodeStringToken(source.slice(w.start(), w.end()));
          strings.push(decoded && !decoded.formatted ? decoded.value : null);
        } else if (w.named[typeId] === 1 && type !== 'comment' && type !== 'keyword_argument') strings.push(null);
      } while (w.nextSibling());
      w.parent();
    }
    let app: string | null = null;
    let model: string | null = null;
    if (strings.length >= 2) [app, model] = [strings[0] ?? null, strings[1] ?? null];
    else if (strings.length === 1 && strings[0]) {
      const dot = strings[0].indexOf('.');
      [app, model] = dot === -1 ? [null, strings[0]] : [strings[0].slice(0, dot), strings[0].slice(dot + 1)];
    }
    const variable = state.assignValueStart === start ? state.assignTarget : null;
    if (variable) state.modelVariables.add(variable);
    state.getModel.push({ owner: state.nestedIn, call: { app, model, variable, line } });
  } else {
    const onQueryset = QUERYSET_HINT.test(receiver) || [...state.modelVariables].some((name) => receiver === name || receiver.startsWith(`${name}.`));
    if (method === 'bulk_update' || method === 'bulk_create') state.info.bulkWrites.push({ kind: method, line });
    else if ((method === 'update' || method === 'delete') && receiver !== '' && onQueryset) state.info.bulkWrites.push({ kind: method, line });
    else if (method === 'save' && receiver !== '' && state.loopDepth > 0) state.info.bulkWrites.push({ kind: 'save', line });
    if (state.loopDepth > 0 && /(?:^|\.)atomic$/.test(callee ?? '')) state.info.batches = true;
    if (method === 'Paginator') state.info.batches = true;
  }
  w.parent();
}
