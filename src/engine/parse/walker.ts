/**
 * A tree walker over one web-tree-sitter TreeCursor, through its public API only: node type (by id,
 * looked up in per-language tables), offsets and moves. The value and function readers walk with it
 * instead of building a Node object for every node they pass.
 */
import type { Language, Node, TreeCursor } from 'web-tree-sitter';

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

/** Walk a subtree: `enter(node)`, then read and move; the walk cannot leave the subtree it entered. */
export class TreeWalker {
  readonly names: string[];
  readonly named: Uint8Array;
  readonly valueChild: Uint8Array;

  constructor(
    private readonly cursor: TreeCursor,
    tables: TypeTables,
  ) {
    this.names = tables.names;
    this.named = tables.named;
    this.valueChild = tables.valueChild;
  }

  enter(node: Node): void {
    this.cursor.reset(node);
  }

  typeId(): number {
    return this.cursor.nodeTypeId;
  }

  type(): string {
    return this.names[this.cursor.nodeTypeId] as string;
  }

  start(): number {
    return this.cursor.startIndex;
  }

  end(): number {
    return this.cursor.endIndex;
  }

  firstChild(): boolean {
    return this.cursor.gotoFirstChild();
  }

  nextSibling(): boolean {
    return this.cursor.gotoNextSibling();
  }

  parent(): boolean {
    return this.cursor.gotoParent();
  }
}
