/**
 * What the database would hold after the migrations predicted so far: per table, the indexes and
 * constraints with their names. Django looks these names up (introspection) before it drops a
 * unique, an index or a foreign key; the catalog answers the same question offline.
 */
import { Unpredictable } from './types.js';

export type ConstraintKind = 'pk' | 'unique' | 'index' | 'fk' | 'check';

export interface CatalogEntry {
  name: string;
  kind: ConstraintKind;
  columns: string[];
  /** A plain btree index built for `db_index=True` or a `_like` index (Django's `Index.suffix` type). */
  btree?: boolean;
  /** MySQL: the index InnoDB made for a foreign key, dropped when another index can serve it. */
  implicit?: boolean;
  /** The migration (Catalog.beginMigration count) that created, renamed or dropped it last. */
  epoch?: number;
}

export class Catalog {
  private readonly tables = new Map<string, CatalogEntry[]>();
  /** Entries dropped, kept with the migration that dropped them. */
  private readonly dropped = new Map<string, CatalogEntry[]>();
  private epoch = 0;
  /** Tables (null: every column) or columns an unpredicted operation acted on: constraint names there are not known. */
  private readonly uncertain = new Map<string, Set<string> | null>();

  markUncertain(table: string, columns?: readonly string[]): void {
    const known = this.uncertain.get(table);
    if (known === null) return;
    if (!columns) this.uncertain.set(table, null);
    else this.uncertain.set(table, new Set([...(known ?? []), ...columns]));
  }

  private isUncertain(table: string, columns: readonly string[]): boolean {
    if (!this.uncertain.has(table)) return false;
    const set = this.uncertain.get(table);
    return set === null || set === undefined || columns.some((column) => set.has(column));
  }

  /**
   * A new migration starts. sqlmigrate introspects the database as it was before the migration while
   * migrate sees each earlier statement applied: a lookup of anything the same migration created,
   * renamed or dropped is where the two differ, so it is not predicted.
   */
  beginMigration(): void {
    this.epoch++;
  }

  private tombstone(table: string, entries: readonly CatalogEntry[]): void {
    if (entries.length === 0) return;
    const list = this.dropped.get(table) ?? [];
    list.push(...entries.map((entry) => ({ ...entry, epoch: this.epoch })));
    this.dropped.set(table, list);
  }

  private touch(entries: readonly CatalogEntry[]): void {
    for (const entry of entries) entry.epoch = this.epoch;
  }

  has(table: string): boolean {
    return this.tables.has(table);
  }

  entries(table: string): readonly CatalogEntry[] {
    return this.tables.get(table) ?? [];
  }

  createTable(table: string): void {
    this.uncertain.delete(table);
    this.tables.set(table, []);
  }

  dropTable(table: string): void {
    this.tombstone(table, this.entries(table));
    this.tables.delete(table);
  }

  renameTable(from: string, to: string): void {
    const uncertain = this.uncertain.get(from);
    if (uncertain !== undefined) {
      this.uncertain.delete(from);
      this.uncertain.set(to, uncertain);
    }
    const entries = this.tables.get(from) ?? [];
    this.touch(entries);
    this.tables.delete(from);
    this.tables.set(to, entries);
  }

  add(table: string, entry: CatalogEntry): void {
    let entries = this.tables.get(table);
    if (!entries) this.tables.set(table, (entries = []));
    entries.push({ ...entry, epoch: this.epoch });
  }

  /** Drop an entry by name (of one kind: on MySQL a foreign key and the index made for it share a name). */
  remove(table: string, name: string, kind?: ConstraintKind): void {
    const entries = this.tables.get(table);
    if (!entries) return;
    const matches = (entry: CatalogEntry) => entry.name === name && (kind === undefined || entry.kind === kind);
    this.tombstone(table, entries.filter(matches));
    this.tables.set(table, entries.filter((entry) => !matches(entry)));
  }

  renameColumn(table: string, from: string, to: string): void {
    for (const entry of this.tables.get(table) ?? []) {
      if (!entry.columns.includes(from)) continue;
      entry.columns = entry.columns.map((column) => (column === from ? to : column));
      entry.epoch = this.epoch;
    }
  }

  /** Dropping a column drops what is built on it (PostgreSQL's CASCADE; MySQL narrows multi-column indexes). */
  dropColumn(table: string, column: string, narrow: boolean): void {
    const entries = this.tables.get(table);
    if (!entries) return;
    const kept: CatalogEntry[] = [];
    for (const entry of entries) {
      if (!entry.columns.includes(column)) kept.push(entry);
      else if (narrow && entry.columns.length > 1 && entry.kind !== 'fk') kept.push({ ...entry, columns: entry.columns.filter((c) => c !== column), epoch: this.epoch });
      else this.tombstone(table, [entry]);
    }
    this.tables.set(table, kept);
  }

  /** Names of the entries on exactly these columns (Django's _constraint_names). */
  names(table: string, columns: readonly string[], filter: (entry: CatalogEntry) => boolean): string[] {
    if (!this.tables.has(table)) throw new Unpredictable(`${table} is not a table the predicted migrations built, so the constraint names Django finds there are not known`);
    if (this.isUncertain(table, columns)) throw new Unpredictable(`an earlier operation on ${table} was not predicted, so the constraint names Django finds there are not known`);
    const on = (entry: CatalogEntry) => entry.columns.length === columns.length && entry.columns.every((column, i) => column === columns[i]) && filter(entry);
    const found = this.entries(table).filter(on);
    const changedHere = [...found, ...(this.dropped.get(table) ?? []).filter(on)].some((entry) => entry.epoch === this.epoch);
    if (changedHere) throw new Unpredictable(`Django looks up the constraints of ${table}(${columns.join(', ')}), which this migration already changed: sqlmigrate sees the database before the migration, migrate sees it after the earlier statements`);
    return found.map((entry) => entry.name);
  }
}
