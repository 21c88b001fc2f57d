/**
 * What the database would hold after the migrations predicted so far: per table, the indexes and
 * constraints with their names. Django looks these names up (introspection) before it drops a
 * unique, an index or a foreign key; the catalog answers the same question offline.
 */
export type ConstraintKind = 'pk' | 'unique' | 'index' | 'fk' | 'check';

export interface CatalogEntry {
  name: string;
  kind: ConstraintKind;
  columns: string[];
  /** A plain btree index built for `db_index=True` or a `_like` index (Django's `Index.suffix` type). */
  btree?: boolean;
  /** MySQL: the index InnoDB made for a foreign key, dropped when another index can serve it. */
  implicit?: boolean;
}

export class Catalog {
  private readonly tables = new Map<string, CatalogEntry[]>();

  has(table: string): boolean {
    return this.tables.has(table);
  }

  entries(table: string): readonly CatalogEntry[] {
    return this.tables.get(table) ?? [];
  }

  createTable(table: string): void {
    this.tables.set(table, []);
  }

  dropTable(table: string): void {
    this.tables.delete(table);
  }

  renameTable(from: string, to: string): void {
    const entries = this.tables.get(from);
    this.tables.delete(from);
    this.tables.set(to, entries ?? []);
  }

  add(table: string, entry: CatalogEntry): void {
    let entries = this.tables.get(table);
    if (!entries) this.tables.set(table, (entries = []));
    entries.push(entry);
  }

  /** Drop an entry by name (of one kind: on MySQL a foreign key and the index made for it share a name). */
  remove(table: string, name: string, kind?: ConstraintKind): void {
    const entries = this.tables.get(table);
    if (entries) this.tables.set(table, entries.filter((entry) => entry.name !== name || (kind !== undefined && entry.kind !== kind)));
  }

  renameColumn(table: string, from: string, to: string): void {
    for (const entry of this.tables.get(table) ?? []) entry.columns = entry.columns.map((column) => (column === from ? to : column));
  }

  /** Dropping a column drops what is built on it (PostgreSQL's CASCADE; MySQL narrows multi-column indexes). */
  dropColumn(table: string, column: string, narrow: boolean): void {
    const entries = this.tables.get(table);
    if (!entries) return;
    const kept: CatalogEntry[] = [];
    for (const entry of entries) {
      if (!entry.columns.includes(column)) kept.push(entry);
      else if (narrow && entry.columns.length > 1 && entry.kind !== 'fk') kept.push({ ...entry, columns: entry.columns.filter((c) => c !== column) });
    }
    this.tables.set(table, kept);
  }

  /** Names of the entries on exactly these columns (Django's _constraint_names). */
  names(table: string, columns: readonly string[], filter: (entry: CatalogEntry) => boolean): string[] {
    return this.entries(table)
      .filter((entry) => entry.columns.length === columns.length && entry.columns.every((column, i) => column === columns[i]) && filter(entry))
      .map((entry) => entry.name);
  }
}
