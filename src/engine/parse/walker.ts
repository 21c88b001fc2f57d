/**
 * A tree walker over one web-tree-sitter TreeCursor: node type, named-ness, offsets and moves.
 *
 * Why not the TreeCursor methods alone: each of them copies the cursor's four words from JS into
 * the wasm transfer buffer and back again through Emscripten's generic setValue/getValue, which
 * is most of the cost of reading a tree (measured: 270 ms vs 104 ms for one full walk of saleor's
 * 455k nodes). The wasm functions behind those methods keep the cursor in that buffer between
 * calls, so while a walk runs nothing else touches the buffer, the walker calls them directly
 * and copies the cursor back into the TreeCursor object once, when the walk ends.
 *
 * That relies on web-tree-sitter's binding layout (0.27: cursor = 4 i32 at the transfer buffer,
 * `Tree[0]` / `TreeCursor[0..3]` as handles). `grammar.ts` checks it once with a self-test and
 * otherwise hands out the public-API walker, which gives the same answers, only slower.
 */
import type { Language, Tree, TreeCursor } from 'web-tree-sitter';

/** The wasm exports the fast walker calls (present on web-tree-sitter's Emscripten module object). */
export interface CursorExports {
  HEAP32: Int32Array;
  _ts_init(): number;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
}

const EXPORT_NAMES = [
  '_ts_init',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
] as const;

/** The exports when the module object has them all; null otherwise (another web-tree-sitter build). */
export function cursorExports(module: unknown): CursorExports | null {
  if (!module || typeof module !== 'object') return null;
  const record = module as Record<string, unknown>;
  if (!(record['HEAP32'] instanceof Int32Array)) return null;
  return EXPORT_NAMES.every((name) => typeof record[name] === 'function') ? (module as CursorExports) : null;
}

/** Per-language tables indexed by type id (ERROR is id 65535, hence the size). */
export interface TypeTables {
  names: string[];
  /** 1 for named node types. */
  named: Uint8Array;
  /** 1 for named types that hold a value: not comments, not ERROR debris. */
  valueChild: Uint8Array;
}

export function typeTables(language: Language): TypeTables {
  const names: string[] = new Array<string>(65536).fill('ERROR');
  const named = new Uint8Array(65536);
  const valueChild = new Uint8Array(65536);
  const count = language.types.length;
  for (let id = 0; id < count; id++) {
    const name = language.types[id];
    if (name) names[id] = name;
    if (language.nodeTypeIsNamed(id)) named[id] = 1;
  }
  named[65535] = 1;
  for (let id = 0; id < 65536; id++) valueChild[id] = named[id] === 1 && names[id] !== 'comment' && names[id] !== 'ERROR' ? 1 : 0;
  return { names, named, valueChild };
}

type Move = (tree: number) => number;

/**
 * Walk a subtree: `enter(node)`, then read and move, then `leave()` before any other use of
 * web-tree-sitter (Node methods use the same transfer buffer).
 */
export class TreeWalker {
  readonly names: string[];
  readonly named: Uint8Array;
  readonly valueChild: Uint8Array;
  private readonly handle: number;
  private readonly goFirst: Move;
  private readonly goNext: Move;
  private readonly goParent: Move;
  private readonly typeIdAt: Move;
  private readonly startAt: Move;
  private readonly endAt: Move;

  constructor(
    private readonly cursor: TreeCursor,
    tree: Tree,
    tables: TypeTables,
    private readonly exports: CursorExports | null,
    private readonly transferBuffer: number,
  ) {
    this.names = tables.names;
    this.named = tables.named;
    this.valueChild = tables.valueChild;
    if (exports) {
      this.handle = (tree as unknown as Record<number, number>)[0] as number;
      this.goFirst = exports._ts_tree_cursor_goto_first_child_wasm;
      this.goNext = exports._ts_tree_cursor_goto_next_sibling_wasm;
      this.goParent = exports._ts_tree_cursor_goto_parent_wasm;
      this.typeIdAt = exports._ts_tree_cursor_current_node_type_id_wasm;
      this.startAt = exports._ts_tree_cursor_start_index_wasm;
      this.endAt = exports._ts_tree_cursor_end_index_wasm;
    } else {
      this.handle = 0;
      this.goFirst = () => (cursor.gotoFirstChild() ? 1 : 0);
      this.goNext = () => (cursor.gotoNextSibling() ? 1 : 0);
      this.goParent = () => (cursor.gotoParent() ? 1 : 0);
      this.typeIdAt = () => cursor.nodeTypeId;
      this.startAt = () => cursor.startIndex;
      this.endAt = () => cursor.endIndex;
    }
  }

  /** Position on `node` (the walk cannot leave its subtree). */
  enter(node: Parameters<TreeCursor['reset']>[0]): void {
    // The public reset leaves the cursor both in the TreeCursor object and in the transfer buffer.
    this.cursor.reset(node);
  }

  /** Copy the cursor back into its TreeCursor object (its stack may have moved while walking). */
  leave(): void {
    if (!this.exports) return;
    const heap = this.exports.HEAP32;
    const base = this.transferBuffer >> 2;
    const words = this.cursor as unknown as Record<number, number>;
    for (let i = 0; i < 4; i++) words[i] = heap[base + i] as number;
  }

  typeId(): number {
    return this.typeIdAt(this.handle);
  }

  type(): string {
    return this.names[this.typeIdAt(this.handle)] as string;
  }

  start(): number {
    return this.startAt(this.handle);
  }

  end(): number {
    return this.endAt(this.handle);
  }

  firstChild(): boolean {
    return this.goFirst(this.handle) === 1;
  }

  nextSibling(): boolean {
    return this.goNext(this.handle) === 1;
  }

  parent(): boolean {
    return this.goParent(this.handle) === 1;
  }
}
