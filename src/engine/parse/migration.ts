/** Reads one migration file: module-level facts, the Migration class and its attributes. */
import type { Node, Tree } from 'web-tree-sitter';
import type { MigrationFile } from '../types.js';
import type { FileContext } from './context.js';
import type { AttributeValue, ListPart } from './attributes.js';
import { LIST_ATTRIBUTES, addItems, checkMigrationBases, classAssignment, classAugmentedAssignment, classListMutation, classLoop, clip, inBranch, nextBranch, openChain, recordImport, valueListParts } from './attributes.js';
import { addProblem } from './context.js';
import { readFunction } from './functions.js';
import { createWalker, loadedParser } from './grammar.js';
import { readLiteralModule } from './literal-module.js';
import { utf8Length } from './literals.js';
import { appLabelFromPath, migrationNameFromPath, toPosixPath } from './paths.js';
import { ValueReader } from './reader.js';
import { applySuppressions, findSuppressionComments } from './suppressions.js';
import type { TreeWalker } from './walker.js';

/** Larger sources are refused with a problem: no real migration comes near this. */
export const MAX_SOURCE_BYTES = 16 * 1024 * 1024;
const MAX_SYNTAX_PROBLEMS = 10;
let literalReaderEnabled = true;
const BLOCK_STATEMENTS = new Set(['if_statement', 'for_statement', 'while_statement', 'try_statement', 'with_statement', 'match_statement']);
const CLAUSES = new Set(['block', 'else_clause', 'elif_clause', 'except_clause', 'except_group_clause', 'finally_clause', 'case_clause']);

/** The tree-sitter reader's context: values are read from nodes. */
interface TreeContext extends FileContext {
  reader: ValueReader;
  /** Functions defined in the Migration class body (read after the class). */
  classFunctions: Node[];
}

export interface ParseOptions {
  path: string;
  appLabel?: string;
}

/** Internal: read the module itself as the Migration class body (pasted snippets). */
export interface ReadMode {
  moduleIsClassBody?: boolean;
}

export function emptyMigrationFile(source: string, opts: ParseOptions): MigrationFile {
  const path = toPosixPath(typeof opts?.path === 'string' ? opts.path : '');
  return {
    path,
    app: opts?.appLabel || appLabelFromPath(path),
    name: migrationNameFromPath(path),
    hasMigrationClass: false,
    classLine: 0,
    dependencies: [],
    replaces: [],
    runBefore: [],
    initial: null,
    atomic: null,
    operations: [],
    imports: [],
    functions: {},
    fileSuppressions: [],
    suppressionComments: [],
    extraAttributes: {},
    problems: [],
    bytes: typeof source === 'string' ? utf8Length(source) : 0,
  };
}

/** Never throws: anything unexpected becomes a problem on an otherwise empty result. */
export function parseMigration(source: string, opts: ParseOptions, mode: ReadMode = {}): MigrationFile {
  const file = emptyMigrationFile(source, opts);
  if (typeof source !== 'string') {
    file.problems.push({ code: 'unreadable-source', message: 'The file content is not text.', line: 0 });
    return file;
  }
  if (file.bytes > MAX_SOURCE_BYTES) {
    file.problems.push({ code: 'file-too-large', message: `The file is ${file.bytes} bytes; files over ${MAX_SOURCE_BYTES} bytes are not read.`, line: 0 });
    return file;
  }
  if (!mode.moduleIsClassBody && literalReaderEnabled) {
    const literal = readLiteralModule(source, file);
    if (literal) return literal;
    return readWithTree(source, emptyMigrationFile(source, opts), mode);
  }
  return readWithTree(source, file, mode);
}

/** @internal Tests and benchmarks: read every file with tree-sitter (false) or try the literal reader first (true). */
export function useLiteralReader(enabled: boolean): void {
  literalReaderEnabled = enabled;
}

function readWithTree(source: string, file: MigrationFile, mode: ReadMode): MigrationFile {
  let tree: Tree | null = null;
  let walk: ReturnType<typeof createWalker> | null = null;
  try {
    tree = loadedParser().parse(source);
    if (!tree) {
      file.problems.push({ code: 'syntax-error', message: 'The Python parser could not read this file.', line: 1 });
      return file;
    }
    walk = createWalker(tree);
    readTree(file, tree.rootNode, walk.walker, source, mode);
  } catch (error) {
    file.problems.push({ code: 'internal-error', message: `The parser failed on this file (${error instanceof Error ? error.message : String(error)}); please report it.`, line: 0 });
  } finally {
    walk?.release();
    tree?.delete();
  }
  return file;
}

function readTree(file: MigrationFile, root: Node, walker: TreeWalker, source: string, mode: ReadMode): void {
  const ctx: TreeContext = {
    reader: new ValueReader(walker, source),
    constants: new Map(),
    functionNames: new Set(),
    classNames: new Set(),
    bindings: new Map(),
    problems: file.problems,
    branches: [],
    nextChain: 0,
    classFunctions: [],
  };
  const module = { migrationClass: null as Node | null, functionNodes: [] as Node[] };
  visitModuleBlock(file, ctx, root, module);
  if (mode.moduleIsClassBody) {
    file.hasMigrationClass = true;
    file.classLine = 1;
    readClassBlock(file, ctx, root, false);
  } else if (module.migrationClass) readMigrationClass(file, ctx, module.migrationClass);
  else addProblem(ctx, 'no-migration-class', 'No `class Migration` in this file: Django raises BadMigrationError ("has no Migration class") when it loads it.', 1);
  for (const node of [...module.functionNodes, ...ctx.classFunctions]) {
    const info = readFunction(node, walker, source, ctx.reader.lineIndex);
    if (info) file.functions[info.name] = info;
  }
  applySuppressions(file, findSuppressionComments(source, (at) => root.descendantForIndex(at, at + 1)?.type === 'comment'));
  if (root.hasError) addSyntaxProblems(ctx, root);
  file.problems.sort((a, b) => a.line - b.line);
}

function textOf(ctx: TreeContext, node: Node): string {
  return ctx.reader.text(node);
}

function visitModuleBlock(file: MigrationFile, ctx: TreeContext, block: Node, module: { migrationClass: Node | null; functionNodes: Node[] }): void {
  for (const stmt of block.namedChildren) {
    if (!stmt) continue;
    switch (stmt.type) {
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement':
        readImport(file, ctx, stmt);
        break;
      case 'class_definition':
      case 'function_definition':
        visitDefinition(ctx, stmt, module);
        break;
      case 'decorated_definition': {
        const definition = stmt.childForFieldName('definition');
        if (definition) visitDefinition(ctx, definition, module);
        break;
      }
      case 'expression_statement': {
        const assignment = stmt.firstNamedChild;
        if (assignment?.type !== 'assignment') break;
        const left = assignment.childForFieldName('left');
        const right = assignment.childForFieldName('right');
        if (left?.type === 'identifier' && right && right.type !== 'assignment') ctx.constants.set(textOf(ctx, left), ctx.reader.read(right));
        break;
      }
      default:
        if (CLAUSES.has(stmt.type)) visitModuleBlock(file, ctx, stmt, module);
        else if (BLOCK_STATEMENTS.has(stmt.type)) {
          for (const part of stmt.namedChildren) if (part && CLAUSES.has(part.type)) visitModuleBlock(file, ctx, part, module);
        }
    }
  }
}

function visitDefinition(ctx: TreeContext, node: Node, module: { migrationClass: Node | null; functionNodes: Node[] }): void {
  const nameNode = node.childForFieldName('name');
  const name = nameNode ? textOf(ctx, nameNode) : '';
  if (node.type === 'function_definition') {
    ctx.functionNames.add(name);
    module.functionNodes.push(node);
  } else if (node.type === 'class_definition') {
    ctx.classNames.add(name);
    // Django loads `module.Migration`: the last definition wins, whatever its base.
    if (name === 'Migration') module.migrationClass = node;
  }
}

function readImport(file: MigrationFile, ctx: TreeContext, stmt: Node): void {
  const line = stmt.startPosition.row + 1;
  const names = stmt.childrenForFieldName('name').filter((name): name is Node => name !== null).map((name) => importedName(ctx, name));
  if (stmt.type === 'import_statement') {
    recordImport(file, ctx, null, names, false, line);
    return;
  }
  const moduleNode = stmt.type === 'future_import_statement' ? null : stmt.childForFieldName('module_name');
  const module = stmt.type === 'future_import_statement' ? '__future__' : moduleNode ? textOf(ctx, moduleNode).replace(/\s+/g, '') : '';
  const wildcard = stmt.namedChildren.some((child) => child?.type === 'wildcard_import');
  recordImport(file, ctx, module, names, wildcard, line);
}

function importedName(ctx: TreeContext, node: Node): { path: string; alias: string | null } {
  if (node.type === 'aliased_import') {
    const name = node.childForFieldName('name');
    const alias = node.childForFieldName('alias');
    return { path: name ? textOf(ctx, name).replace(/\s+/g, '') : '', alias: alias ? textOf(ctx, alias) : null };
  }
  return { path: textOf(ctx, node).replace(/\s+/g, ''), alias: null };
}

function readMigrationClass(file: MigrationFile, ctx: TreeContext, node: Node): void {
  file.hasMigrationClass = true;
  file.classLine = node.startPosition.row + 1;
  const bases = node.childForFieldName('superclasses');
  const baseNames = bases ? bases.namedChildren.filter((child): child is Node => child !== null && child.type !== 'keyword_argument').map((child) => textOf(ctx, child).replace(/\s+/g, '')) : [];
  checkMigrationBases(file, ctx, baseNames);
  const body = node.childForFieldName('body');
  if (body) readClassBlock(file, ctx, body, false);
}

function readClassBlock(file: MigrationFile, ctx: TreeContext, block: Node, conditional: boolean): void {
  for (const stmt of block.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'expression_statement') {
      readClassStatement(file, ctx, stmt, conditional);
    } else if (stmt.type === 'function_definition' || stmt.type === 'decorated_definition') {
      // Functions defined in the class body are what `RunPython(forwards)` there refers to.
      const definition = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      const nameNode = definition?.type === 'function_definition' ? definition.childForFieldName('name') : null;
      if (definition && nameNode) {
        ctx.functionNames.add(textOf(ctx, nameNode));
        ctx.classFunctions.push(definition);
      }
    } else if (stmt.type === 'ERROR') {
      salvageAttribute(file, ctx, stmt);
    } else if (stmt.type === 'if_statement') {
      readIfChain(file, ctx, stmt);
    } else if (stmt.type === 'for_statement' || stmt.type === 'while_statement') {
      readLoop(ctx, stmt);
    } else if (CLAUSES.has(stmt.type)) {
      readClassBlock(file, ctx, stmt, true);
    } else if (BLOCK_STATEMENTS.has(stmt.type)) {
      // try/with/match: every clause is read in source order, as if each ran; later assignments win.
      for (const part of stmt.namedChildren) if (part && CLAUSES.has(part.type)) readClassBlock(file, ctx, part, true);
    }
  }
}

/** `if`/`elif`/`else` in the class body: each clause is read in its own branch. */
function readIfChain(file: MigrationFile, ctx: TreeContext, stmt: Node): void {
  const chain = openChain(ctx);
  const clause = (condition: Node | null, body: Node | null, isElse: boolean): void => {
    if (!body || (!isElse && !condition)) return;
    inBranch(ctx, nextBranch(chain, isElse ? null : textOf(ctx, condition as Node)), () => readClassBlock(file, ctx, body, true));
  };
  clause(stmt.childForFieldName('condition'), stmt.childForFieldName('consequence'), false);
  for (const alternative of stmt.childrenForFieldName('alternative')) {
    if (!alternative) continue;
    if (alternative.type === 'elif_clause') clause(alternative.childForFieldName('condition'), alternative.childForFieldName('consequence'), false);
    else if (alternative.type === 'else_clause') clause(null, alternative.childForFieldName('body'), true);
  }
}

/** A `for`/`while` loop is not run: the list attributes it names are reported, not read. */
function readLoop(ctx: TreeContext, stmt: Node): void {
  const colon = stmt.children.find((child) => child?.type === ':');
  const header = ctx.reader.source.slice(stmt.startIndex, colon ? colon.startIndex : stmt.startIndex + 5).replace(/\s+/g, ' ').trim();
  const names = new Set<string>();
  const visit = (node: Node, depth: number): void => {
    if (node.type === 'identifier') {
      const text = textOf(ctx, node);
      if (LIST_ATTRIBUTES.has(text)) names.add(text);
      return;
    }
    // Names inside f-string fields are not names to the literal reader's tokens.
    if (node.type === 'string' || depth > 200) return;
    for (const child of node.namedChildren) if (child) visit(child, depth + 1);
  };
  visit(stmt, 0);
  classLoop(ctx, header, names, stmt.startPosition.row + 1);
}

/**
 * A truncated or broken `operations = [` leaves an ERROR node holding the attribute name and the
 * calls before the break; read those calls (the syntax error itself is reported separately).
 */
function salvageAttribute(file: MigrationFile, ctx: TreeContext, error: Node): void {
  const children = error.namedChildren.filter((child): child is Node => child !== null && child.type !== 'comment');
  const first = children[0];
  const name = first?.type === 'identifier' ? textOf(ctx, first) : '';
  if (!LIST_ATTRIBUTES.has(name)) return;
  const wanted = name === 'operations' ? 'call' : 'tuple';
  const items = children.slice(1).filter((child) => child.type === wanted).map((child) => ctx.reader.read(child));
  if (items.length > 0) addItems(file, ctx, name, items, error.startPosition.row + 1, 'extend');
}

function readClassStatement(file: MigrationFile, ctx: TreeContext, stmt: Node, conditional: boolean): void {
  const expression = stmt.firstNamedChild;
  if (!expression) return;
  const line = stmt.startPosition.row + 1;
  if (expression.type === 'assignment') {
    const left = expression.childForFieldName('left');
    const right = expression.childForFieldName('right');
    if (left?.type !== 'identifier' || !right) return;
    classAssignment(file, ctx, textOf(ctx, left), nodeValue(ctx, right), line, conditional);
  } else if (expression.type === 'augmented_assignment') {
    const left = expression.childForFieldName('left');
    const right = expression.childForFieldName('right');
    const operator = expression.childForFieldName('operator');
    if (left?.type !== 'identifier' || !right) return;
    classAugmentedAssignment(file, ctx, textOf(ctx, left), operator ? textOf(ctx, operator) : '+=', nodeValue(ctx, right), line, conditional);
  } else if (expression.type === 'call') {
    readMutationCall(file, ctx, expression, conditional, line);
  }
}

/** `dependencies.append(x)`, `operations.extend([...])`, `operations.insert(0, x)`. */
function readMutationCall(file: MigrationFile, ctx: TreeContext, call: Node, conditional: boolean, line: number): void {
  const fn = call.childForFieldName('function');
  const match = fn ? /^([\p{L}_]\w*)\s*\.\s*(append|extend|insert)$/u.exec(textOf(ctx, fn)) : null;
  if (!match || !LIST_ATTRIBUTES.has(match[1] as string)) return;
  const [, name, method] = match as unknown as [string, string, 'append' | 'extend' | 'insert'];
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((arg): arg is Node => arg !== null && arg.type !== 'comment');
  classListMutation(file, ctx, name, method, args[0] ? nodeValue(ctx, args[0]) : undefined, args[1] ? nodeValue(ctx, args[1]) : undefined, line, conditional);
}

/** A right-hand side node as the shared attribute logic reads it. */
function nodeValue(ctx: TreeContext, node: Node): AttributeValue {
  return {
    line: node.startPosition.row + 1,
    text: () => textOf(ctx, node),
    value: () => ctx.reader.read(node),
    listParts: () => listParts(ctx, node),
  };
}

/** Split `[...] + OTHER + helper()` into literal items and dynamic pieces, and `a if c else b` into branches. */
function listParts(ctx: TreeContext, node: Node, depth = 0): ListPart[] {
  const line = node.startPosition.row + 1;
  if (node.type === 'conditional_expression' && depth < 50) {
    const [body, condition, orelse] = node.namedChildren.filter((child): child is Node => child !== null && child.type !== 'comment');
    if (body && condition && orelse) {
      const chain = openChain(ctx);
      const taken = nextBranch(chain, textOf(ctx, condition));
      const bodyParts = listParts(ctx, body, depth + 1).map((part) => ({ ...part, branches: [taken, ...(part.branches ?? [])] }));
      const otherwise = nextBranch(chain, null);
      const orelseParts = listParts(ctx, orelse, depth + 1).map((part) => ({ ...part, branches: [otherwise, ...(part.branches ?? [])] }));
      return [...bodyParts, ...orelseParts];
    }
  }
  if (node.type === 'binary_operator' && depth < 50) {
    const operator = node.childForFieldName('operator');
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (operator && textOf(ctx, operator) === '+' && left && right) return [...listParts(ctx, left, depth + 1), ...listParts(ctx, right, depth + 1)];
  }
  if (node.type === 'parenthesized_expression' && node.firstNamedChild && depth < 50) return listParts(ctx, node.firstNamedChild, depth + 1);
  return valueListParts(ctx, ctx.reader.read(node), textOf(ctx, node), line);
}

function addSyntaxProblems(ctx: TreeContext, root: Node): void {
  let reported = 0;
  const visit = (node: Node, depth: number): void => {
    if (reported >= MAX_SYNTAX_PROBLEMS || depth > 400) return;
    if (node.isMissing) {
      reported++;
      addProblem(ctx, 'syntax-error', `Syntax error: missing \`${node.type}\`; the rest of the file is still read.`, node.startPosition.row + 1);
      return;
    }
    if (node.isError) {
      reported++;
      addProblem(ctx, 'syntax-error', `Syntax error near \`${clip(textOf(ctx, node)).slice(0, 40)}\`; the rest of the file is still read.`, node.startPosition.row + 1);
      return;
    }
    for (const child of node.children) if (child && (child.hasError || child.isMissing)) visit(child, depth + 1);
  };
  visit(root, 0);
  if (reported === 0) addProblem(ctx, 'syntax-error', 'Syntax error in this file; the rest of the file is still read.', 1);
}
