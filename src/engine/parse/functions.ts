/**
 * Facts about module-level functions (RunPython callables): which models they fetch, which
 * managers they touch, whether they write in bulk or in batches, whether they use schema_editor.
 */
import type { Node } from 'web-tree-sitter';
import type { FunctionInfo } from '../types.js';
import type { BodyFacts } from './function-facts.js';
import { ITERATE_ALL, RANGE_LOOKUP, emptyFunctionInfo, finishBody, newBodyFacts, noteCall } from './function-facts.js';
import { decodeStringToken, dottedPath } from './literals.js';
import type { LineIndex } from './reader.js';
import type { TreeWalker } from './walker.js';

const LOOPS = new Set(['for_statement', 'while_statement', 'list_comprehension', 'set_comprehension', 'generator_expression', 'dictionary_comprehension']);
const MAX_DEPTH = 200;

interface ScanState {
  info: FunctionInfo;
  facts: BodyFacts;
  walker: TreeWalker;
  source: string;
  lines: LineIndex;
  schemaEditor: string | null;
  loopDepth: number;
  /** Variable and value offset of the assignment around the node, for `X = apps.get_model(...)`. */
  assignTarget: string | null;
  assignValueStart: number;
  /** The innermost function defined inside the body that the walk is in (null: the body itself). */
  nestedIn: string | null;
  /** Nested function name → the nested function it is defined in. */
  nestedParents: Map<string, string | null>;
}

export function readFunction(node: Node, walker: TreeWalker, source: string, lines: LineIndex): FunctionInfo | null {
  const nameNode = node.childForFieldName('name');
  const body = node.childForFieldName('body');
  if (!nameNode) return null;
  const params = readParams(node.childForFieldName('parameters'), source);
  const info = emptyFunctionInfo(source.slice(nameNode.startIndex, nameNode.endIndex), params, node.startPosition.row + 1, node.endPosition.row + 1);
  if (!body) return info;
  const state: ScanState = {
    info,
    facts: newBodyFacts(info),
    walker,
    source,
    lines,
    schemaEditor: params[1] ?? null,
    loopDepth: 0,
    assignTarget: null,
    assignValueStart: -1,
    nestedIn: null,
    nestedParents: new Map(),
  };
  walker.enter(body);
  scan(state, 0);
  finishBody(state.facts, state.nestedParents);
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
 * Pre-order walk of a function body with the walker only (no Node objects): each node costs its
 * type, and its offsets where the text matters.
 */
function scan(state: ScanState, depth: number): void {
  if (depth > MAX_DEPTH) return;
  const type = state.walker.type();
  if (recordNode(state, type)) scanChildren(state, type, depth);
}

/** The facts the node under the walker gives by itself; false when its children add nothing. */
function recordNode(state: ScanState, type: string): boolean {
  const w = state.walker;
  const { source } = state;
  switch (type) {
    case 'call':
      readCall(state);
      return true;
    case 'attribute': {
      const start = w.start();
      const value = source.slice(start, w.end());
      const manager = /^([\p{L}_][\p{L}\p{N}_]*)\s*\.\s*(?:objects|_default_manager)$/u.exec(value);
      if (manager) state.info.managerUses.push({ name: manager[1] as string, line: state.lines.line(start) });
      // `schema_editor.connection.alias` / `.vendor` only name the database: not a use.
      return !(state.schemaEditor && dottedPath(value)?.match(/^([^.]+)\.connection\.(?:alias|vendor)$/)?.[1] === state.schemaEditor);
    }
    case 'identifier': {
      const editor = state.schemaEditor;
      if (editor) {
        const start = w.start();
        const end = w.end();
        if (end - start === editor.length && source.startsWith(editor, start)) state.info.usesSchemaEditor = true;
      }
      return false;
    }
    case 'slice':
      state.info.batches = true;
      return true;
    case 'keyword_argument': {
      if (w.firstChild()) {
        const key = source.slice(w.start(), w.end());
        w.parent();
        if (key === 'chunk_size' || RANGE_LOOKUP.test(key)) state.info.batches = true;
      }
      return true;
    }
    case 'string':
    case 'comment':
    case 'integer':
    case 'float':
      return false;
    default:
      return true;
  }
}

/** Scan the children of the node under the walker, tracking loops, assignment targets and nested functions. */
function scanChildren(state: ScanState, type: string, depth: number): void {
  const w = state.walker;
  const { source } = state;
  const loop = LOOPS.has(type);
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
      if (ITERATE_ALL.test(header)) {
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
  noteCall(state.facts, {
    calleeText,
    line: state.lines.line(start),
    loopDepth: state.loopDepth,
    owner: state.nestedIn,
    assignedTo: state.assignValueStart === start ? state.assignTarget : null,
    positionalStrings: () => {
      // The argument list follows the callee: strings, other positional values as null, keywords skipped.
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
      return strings;
    },
    argumentsText: () => (w.nextSibling() && w.type() === 'argument_list' ? source.slice(w.start(), w.end()) : ''),
  });
  w.parent();
}
