/**
 * Facts about module-level functions (RunPython callables): which models they fetch, which
 * managers they touch, whether they write in bulk or in batches, whether they use schema_editor.
 */
import type { Node, TreeCursor } from 'web-tree-sitter';
import type { FunctionInfo } from '../types.js';
import { decodeStringToken, dottedPath } from './literals.js';
import type { LineIndex } from './reader.js';

const RANGE_LOOKUP = /^(?:pk|id)__(?:gt|gte|lt|lte|range)$/;
const QUERYSET_HINT = /\.objects\b|\._default_manager\b|\.filter\(|\.exclude\(|\.all\(\)|\.using\(|\bqs\b|queryset/i;
const LOOPS = new Set(['for_statement', 'while_statement', 'list_comprehension', 'set_comprehension', 'generator_expression', 'dictionary_comprehension']);
const MAX_DEPTH = 200;

interface ScanState {
  info: FunctionInfo;
  source: string;
  lines: LineIndex;
  schemaEditor: string | null;
  modelVariables: Set<string>;
  calls: Set<string>;
  loopDepth: number;
  /** Variable and value offset of the assignment around the node, for `X = apps.get_model(...)`. */
  assignTarget: string | null;
  assignValueStart: number;
}

export function readFunction(node: Node, cursor: TreeCursor, source: string, lines: LineIndex): FunctionInfo | null {
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
  const state: ScanState = { info, source, lines, schemaEditor: params[1] ?? null, modelVariables: new Set(), calls: new Set(), loopDepth: 0, assignTarget: null, assignValueStart: -1 };
  cursor.reset(body);
  scan(cursor, state, 0);
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

/**
 * Pre-order walk of a function body with the cursor only (no Node objects): each node costs its
 * type, and its offsets where the text matters.
 */
function scan(cursor: TreeCursor, state: ScanState, depth: number): void {
  if (depth > MAX_DEPTH) return;
  const type = cursor.nodeType;
  const { source } = state;
  const loop = LOOPS.has(type);
  switch (type) {
    case 'call':
      readCall(cursor, state);
      break;
    case 'attribute': {
      const start = cursor.startIndex;
      const value = source.slice(start, cursor.endIndex);
      const manager = /^([\p{L}_][\p{L}\p{N}_]*)\s*\.\s*(?:objects|_default_manager)$/u.exec(value);
      if (manager) state.info.managerUses.push({ name: manager[1] as string, line: state.lines.line(start) });
      // `schema_editor.connection.alias` / `.vendor` only name the database: not a use.
      if (state.schemaEditor && dottedPath(value)?.match(/^([^.]+)\.connection\.(?:alias|vendor)$/)?.[1] === state.schemaEditor) return;
      break;
    }
    case 'identifier':
      if (state.schemaEditor && cursor.endIndex - cursor.startIndex === state.schemaEditor.length && source.slice(cursor.startIndex, cursor.endIndex) === state.schemaEditor) {
        state.info.usesSchemaEditor = true;
      }
      return;
    case 'slice':
      state.info.batches = true;
      break;
    case 'keyword_argument': {
      if (cursor.gotoFirstChild()) {
        const key = source.slice(cursor.startIndex, cursor.endIndex);
        cursor.gotoParent();
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
  const start = type === 'for_statement' || type === 'assignment' ? cursor.startIndex : -1;
  if (!cursor.gotoFirstChild()) return;
  if (loop) state.loopDepth++;
  const outerTarget = state.assignTarget;
  const outerValueStart = state.assignValueStart;
  let afterEquals = false;
  let first = true;
  do {
    if (type === 'assignment') {
      const childType = cursor.nodeType;
      if (first) state.assignTarget = childType === 'identifier' ? source.slice(cursor.startIndex, cursor.endIndex) : null;
      else if (afterEquals && cursor.nodeIsNamed) {
        state.assignValueStart = cursor.startIndex;
        afterEquals = false;
      } else if (childType === '=') afterEquals = true;
    } else if (type === 'for_statement' && cursor.nodeType === 'block') {
      const header = source.slice(start, cursor.startIndex);
      if (/\.objects\s*(?:\.\s*(?:all|iterator)\s*\(\s*\))?\s*:\s*$/.test(header)) {
        state.info.bulkWrites.push({ kind: 'iterate_all', line: state.lines.line(start) });
      }
    }
    first = false;
    scan(cursor, state, depth + 1);
  } while (cursor.gotoNextSibling());
  cursor.gotoParent();
  state.assignTarget = outerTarget;
  state.assignValueStart = outerValueStart;
  if (loop) state.loopDepth--;
}

function readCall(cursor: TreeCursor, state: ScanState): void {
  const { source } = state;
  const start = cursor.startIndex;
  if (!cursor.gotoFirstChild()) return;
  const calleeText = source.slice(start, cursor.endIndex);
  const callee = dottedPath(calleeText);
  if (callee) state.calls.add(callee);
  const method = /([\p{L}_][\p{L}\p{N}_]*)\s*$/u.exec(calleeText)?.[1] ?? '';
  const receiver = calleeText.slice(0, Math.max(0, calleeText.length - method.length)).replace(/\s*\.\s*$/, '');
  const line = state.lines.line(start);
  if (method === 'get_model') {
    const strings: Array<string | null> = [];
    if (cursor.gotoNextSibling() && cursor.nodeType === 'argument_list' && cursor.gotoFirstChild()) {
      do {
        const type: string = cursor.nodeType;
        if (type === 'string') {
          const decoded = decodeStringToken(source.slice(cursor.startIndex, cursor.endIndex));
          strings.push(decoded && !decoded.formatted ? decoded.value : null);
        } else if (cursor.nodeIsNamed && type !== 'comment' && type !== 'keyword_argument') strings.push(null);
      } while (cursor.gotoNextSibling());
      cursor.gotoParent();
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
    state.info.getModelCalls.push({ app, model, variable, line });
  } else {
    const onQueryset = QUERYSET_HINT.test(receiver) || [...state.modelVariables].some((name) => receiver === name || receiver.startsWith(`${name}.`));
    if (method === 'bulk_update' || method === 'bulk_create') state.info.bulkWrites.push({ kind: method, line });
    else if ((method === 'update' || method === 'delete') && receiver !== '' && onQueryset) state.info.bulkWrites.push({ kind: method, line });
    else if (method === 'save' && receiver !== '' && state.loopDepth > 0) state.info.bulkWrites.push({ kind: 'save', line });
    if (state.loopDepth > 0 && /(?:^|\.)atomic$/.test(callee ?? '')) state.info.batches = true;
    if (method === 'Paginator') state.info.batches = true;
  }
  cursor.gotoParent();
}
