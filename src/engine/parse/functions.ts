/**
 * Facts about module-level functions (RunPython callables): which models they fetch, which
 * managers they touch, whether they write in bulk or in batches, whether they use schema_editor.
 */
import type { Node, TreeCursor } from 'web-tree-sitter';
import type { FunctionInfo } from '../types.js';
import { decodeStringToken, dottedPath } from './literals.js';

const RANGE_LOOKUP = /^(?:pk|id)__(?:gt|gte|lt|lte|range)$/;
const QUERYSET_HINT = /\.objects\b|\._default_manager\b|\.filter\(|\.exclude\(|\.all\(\)|\.using\(|\bqs\b|queryset/i;
const LOOPS = new Set(['for_statement', 'while_statement', 'list_comprehension', 'set_comprehension', 'generator_expression', 'dictionary_comprehension']);
const MAX_DEPTH = 200;

interface ScanState {
  info: FunctionInfo;
  schemaEditor: string | null;
  modelVariables: Set<string>;
  calls: Set<string>;
  loopDepth: number;
  /** Variable being assigned by the statement around the node, for `X = apps.get_model(...)`. */
  assignTarget: string | null;
}

export function readFunction(node: Node, cursor: TreeCursor, source: string): FunctionInfo | null {
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
  const state: ScanState = { info, schemaEditor: params[1] ?? null, modelVariables: new Set(), calls: new Set(), loopDepth: 0, assignTarget: null };
  cursor.reset(body);
  scan(cursor, source, state, 0);
  info.calls = [...state.calls];
  return info;
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

function text(cursor: TreeCursor, source: string): string {
  return source.slice(cursor.startIndex, cursor.endIndex);
}

function line(cursor: TreeCursor): number {
  return cursor.startPosition.row + 1;
}

function scan(cursor: TreeCursor, source: string, state: ScanState, depth: number): void {
  if (depth > MAX_DEPTH) return;
  const type = cursor.nodeType;
  let descend = true;
  let loop = false;
  let assignTarget: string | null = null;
  switch (type) {
    case 'for_statement': {
      loop = true;
      const iterable = cursor.currentNode.childForFieldName('right');
      if (iterable) {
        const iterText = source.slice(iterable.startIndex, iterable.endIndex);
        if (/\.objects\s*\.\s*(?:all|iterator)\s*\(\s*\)\s*$/.test(iterText) || /\.objects\s*$/.test(iterText)) {
          state.info.bulkWrites.push({ kind: 'iterate_all', line: line(cursor) });
        }
      }
      break;
    }
    case 'assignment': {
      const left = cursor.currentNode.childForFieldName('left');
      if (left && left.type === 'identifier') assignTarget = source.slice(left.startIndex, left.endIndex);
      break;
    }
    case 'call':
      readCall(cursor, source, state);
      break;
    case 'attribute': {
      const value = text(cursor, source);
      const manager = /^([\p{L}_][\p{L}\p{N}_]*)\s*\.\s*(?:objects|_default_manager)$/u.exec(value);
      if (manager) state.info.managerUses.push({ name: manager[1] as string, line: line(cursor) });
      if (state.schemaEditor && /\.\s*connection\s*\.\s*(?:alias|vendor)$/.test(value) && dottedPath(value)?.startsWith(`${state.schemaEditor}.connection.`)) descend = false;
      break;
    }
    case 'identifier':
      if (state.schemaEditor && text(cursor, source) === state.schemaEditor) state.info.usesSchemaEditor = true;
      break;
    case 'slice':
      state.info.batches = true;
      break;
    case 'keyword_argument': {
      const name = cursor.currentNode.childForFieldName('name');
      const key = name ? source.slice(name.startIndex, name.endIndex) : '';
      if (key === 'chunk_size' || RANGE_LOOKUP.test(key)) state.info.batches = true;
      break;
    }
    case 'function_definition':
    case 'class_definition':
      // Nested definitions are still part of what the callable runs when it calls them.
      break;
    default:
      if (LOOPS.has(type)) loop = true;
  }
  if (!descend || !cursor.gotoFirstChild()) return;
  if (loop) state.loopDepth++;
  const outerTarget = state.assignTarget;
  if (assignTarget !== null) state.assignTarget = assignTarget;
  do {
    scan(cursor, source, state, depth + 1);
  } while (cursor.gotoNextSibling());
  cursor.gotoParent();
  state.assignTarget = outerTarget;
  if (loop) state.loopDepth--;
}

function readCall(cursor: TreeCursor, source: string, state: ScanState): void {
  const node = cursor.currentNode;
  const fn = node.childForFieldName('function');
  if (!fn) return;
  const calleeText = source.slice(fn.startIndex, fn.endIndex);
  const callee = dottedPath(calleeText);
  if (callee) state.calls.add(callee);
  const method = /([\p{L}_][\p{L}\p{N}_]*)\s*$/u.exec(calleeText)?.[1] ?? '';
  const receiver = calleeText.slice(0, Math.max(0, calleeText.length - method.length)).replace(/\s*\.\s*$/, '');
  const at = node.startPosition.row + 1;
  const parent = node.parent;
  const directlyAssigned = parent?.type === 'assignment' && parent.childForFieldName('right')?.equals(node) === true;

  if (method === 'get_model') {
    const args = node.childForFieldName('arguments');
    const strings: Array<string | null> = [];
    for (const arg of args?.namedChildren ?? []) {
      if (!arg || arg.type === 'comment' || arg.type === 'keyword_argument') continue;
      const decoded = arg.type === 'string' ? decodeStringToken(source.slice(arg.startIndex, arg.endIndex)) : null;
      strings.push(decoded && !decoded.formatted ? decoded.value : null);
    }
    let app: string | null = null;
    let model: string | null = null;
    if (strings.length >= 2) [app, model] = [strings[0] ?? null, strings[1] ?? null];
    else if (strings.length === 1 && strings[0]) {
      const dot = strings[0].indexOf('.');
      [app, model] = dot === -1 ? [null, strings[0]] : [strings[0].slice(0, dot), strings[0].slice(dot + 1)];
    }
    const variable = directlyAssigned ? state.assignTarget : null;
    if (variable) state.modelVariables.add(variable);
    state.info.getModelCalls.push({ app, model, variable, line: at });
    return;
  }
  const onQueryset = QUERYSET_HINT.test(receiver) || [...state.modelVariables].some((name) => receiver === name || receiver.startsWith(`${name}.`));
  if (method === 'bulk_update' || method === 'bulk_create') state.info.bulkWrites.push({ kind: method, line: at });
  else if ((method === 'update' || method === 'delete') && receiver !== '' && onQueryset) state.info.bulkWrites.push({ kind: method, line: at });
  else if (method === 'save' && receiver !== '' && state.loopDepth > 0) state.info.bulkWrites.push({ kind: 'save', line: at });
  if (method === 'iterator' && /chunk_size/.test(source.slice(node.startIndex, node.endIndex))) state.info.batches = true;
  if (state.loopDepth > 0 && /(?:^|\.)atomic$/.test(callee ?? '')) state.info.batches = true;
  if (method === 'Paginator') state.info.batches = true;
}
