/**
 * A schema editor that writes SQL instead of running it: the steps of Django's
 * BaseDatabaseSchemaEditor (create_model, add_field, _alter_field, …) and the PostgreSQL and MySQL
 * overrides, in the same order, over the replayed model state. Names Django would look up in the
 * database come from the Catalog of what earlier migrations built.
 */
import type { ModelState, StateView } from '../rules/types.js';
import type { FieldDef, PyValue } from '../types.js';
import type { Catalog, CatalogEntry } from './catalog.js';
import { columnOf, dbDefaultSql, effectiveDefault, hasColumn, isRelation, quoteName, relatedModel, tableName } from './columns.js';
import { autoThrough, isManyToMany, throughModel } from './m2m.js';
import type { Column, Vendor } from './columns.js';
import { toStatement } from './locks.js';
import type { Action, ColumnChange } from './locks.js';
import { compileCondition } from './conditions.js';
import { importResolver, isPostgresIndexName, readIndex } from './indexes.js';
import type { CalleeResolver } from './indexes.js';
import { createIndexName, truncateName } from './names.js';
import { Unpredictable } from './types.js';
import type { SqlStatement, SqlTarget } from './types.js';
import { atLeast } from './version.js';

/** Field arguments that change no column (Field.non_db_attrs). */
const NON_DB_ATTRS = new Set(['blank', 'choices', 'db_column', 'editable', 'error_messages', 'help_text', 'limit_choices_to', 'on_delete', 'related_name', 'related_query_name', 'validators', 'verbose_name', 'db_comment']);
const LIMITED_TYPES = new Set(['tinyblob', 'blob', 'mediumblob', 'longblob', 'tinytext', 'text', 'mediumtext', 'longtext', 'json']);
const UNIQUE_KWARGS = new Set(['fields', 'name', 'condition', 'violation_error_message', 'violation_error_code']);

export interface IndexSqlOptions {
  unique?: boolean;
  /** One opclass for every column (the `_like` index) or one per column. */
  opclass?: string;
  opclasses?: readonly string[];
  concurrently?: boolean;
  descending?: readonly boolean[];
  using?: string | null;
  withParams?: readonly string[];
  include?: readonly string[];
  condition?: string | null;
}

type ParsedConstraint =
  | { name: string; kind: 'unique' | 'check'; columns: string[]; body: string }
  /** A UniqueConstraint with a condition: a unique index on PostgreSQL, nothing on MySQL. */
  | { name: string; kind: 'partial-unique'; columns: string[]; body: ''; index: string | null };

function str(value: PyValue | undefined): string | undefined {
  return value?.kind === 'str' ? value.value : undefined;
}

function listItems(value: PyValue | undefined): PyValue[] {
  return value && (value.kind === 'list' || value.kind === 'tuple' || value.kind === 'set') ? value.items : [];
}

/** `unique_together` as lists of field names (a single tuple of strings counts as one set). */
export function togetherSets(value: PyValue | undefined): string[][] {
  if (value?.kind === 'call' && value.callee === 'set' && value.args.length <= 1 && Object.keys(value.kwargs).length === 0) return togetherSets(value.args[0]);
  if (value !== undefined && value.kind !== 'none' && value.kind !== 'list' && value.kind !== 'tuple' && value.kind !== 'set') {
    throw new Unpredictable('a together option is not a literal list, tuple or set');
  }
  const items = listItems(value);
  if (items.length > 0 && items.every((item) => item.kind === 'str')) return [items.map((item) => str(item)!)];
  return items.map((set) => listItems(set).map((item) => {
    const name = str(item);
    if (name === undefined) throw new Unpredictable('a together option holds a value that is not a field name');
    return name;
  }));
}

export class SchemaEditor {
  readonly vendor: Vendor;
  /** Statements in the order Django runs them, deferred ones after. */
  readonly statements: SqlStatement[] = [];
  readonly deferred: SqlStatement[] = [];
  /** Deferred statements Django would rewrite before running them: the operations that made them are not predicted. */
  readonly invalidated = new Set<SqlStatement>();
  /** Models renamed so far in this migration (`app.model`, lower case). */
  readonly renamedModels = new Set<string>();

  constructor(
    readonly target: SqlTarget,
    readonly catalog: Catalog,
    readonly swappable: Record<string, string> = {},
    /** Index classes are resolved through the imports of the migration being translated. */
    readonly resolve: CalleeResolver = importResolver([]),
    /** The project's DEFAULT_AUTO_FIELD class name, for join tables; unknown when not configured. */
    readonly defaultAutoField?: string,
  ) {
    this.vendor = target.database === 'postgresql' ? 'postgresql' : 'mysql';
  }

  private get mariadb(): boolean {
    return this.target.database === 'mariadb';
  }

  q(name: string): string {
    return quoteName(this.vendor, name);
  }

  private emit(sql: string, action: Action, table: string | null): void {
    this.statements.push(toStatement(sql, action, table, this.target));
  }

  private defer(sql: string, action: Action, table: string): void {
    this.deferred.push({ ...toStatement(sql, action, table, this.target), deferred: true });
  }

  table(model: ModelState): string {
    return tableName(model, this.vendor);
  }

  column(state: StateView, model: ModelState, fieldName: string, field: FieldDef): Column {
    return columnOf(state, model.app, fieldName, field, this.vendor, this.swappable, this.mariadb && atLeast(this.target, '10.7'));
  }

  private maxName(): number {
    return this.vendor === 'postgresql' ? 63 : 64;
  }

  indexName(table: string, columns: readonly string[], suffix: string): string {
    return createIndexName(table, columns, suffix, this.maxName());
  }

  // ---- column definitions (column_sql) ------------------------------------------------------

  private isLimited(column: Column): boolean {
    return this.vendor === 'mysql' && LIMITED_TYPES.has(column.dbType.toLowerCase());
  }

  private isTextOrBlob(column: Column): boolean {
    return this.vendor === 'mysql' && /(blob|text)$/i.test(column.dbType);
  }

  skipDefault(column: Column): boolean {
    if (this.vendor !== 'mysql') return false;
    if (effectiveDefault(column, this.vendor) === "''" && this.isTextOrBlob(column)) return true;
    const limitedDefaults = this.mariadb || atLeast(this.target, '8.0.13');
    return !limitedDefaults && this.isLimited(column);
  }

  skipDefaultOnAlter(column: Column): boolean {
    if (this.vendor !== 'mysql') return false;
    if (effectiveDefault(column, this.vendor) === "''" && this.isTextOrBlob(column)) return true;
    return this.isLimited(column) && !this.mariadb;
  }

  private defaultSql(column: Column, value: string): string {
    return !this.mariadb && this.vendor === 'mysql' && this.isLimited(column) ? `(${value})` : value;
  }

  private collate(column: Column): string {
    if (!column.collation) return '';
    return ` COLLATE ${this.vendor === 'postgresql' ? this.q(column.collation) : column.collation}`;
  }

  /** The definition after the column name: type, collation, default, NULL, PRIMARY KEY/UNIQUE. */
  columnSql(column: Column, includeDefault: boolean): string {
    const parts = [column.dbType + this.collate(column)];
    const dbDefault = dbDefaultSql(column, this.vendor);
    if (dbDefault !== undefined) {
      parts.push(`DEFAULT ${dbDefault}`);
      includeDefault = false;
    }
    if (includeDefault && !this.skipDefault(column) && !(column.null && this.skipDefaultOnAlter(column))) {
      const value = effectiveDefault(column, this.vendor);
      if (value !== undefined) parts.push(`DEFAULT ${this.defaultSql(column, value)}`);
    }
    parts.push(column.null ? 'NULL' : 'NOT NULL');
    if (column.primaryKey) parts.push('PRIMARY KEY');
    else if (column.unique) parts.push('UNIQUE');
    if (column.typeSuffix) parts.push(column.typeSuffix);
    if (column.check) parts.push(`CHECK (${column.check})`);
    return parts.join(' ');
  }

  // ---- names the database gives constraints Django leaves unnamed ----------------------------

  /** PostgreSQL's makeObjectName: table and column shortened to fit NAMEDATALEN with the label. */
  private pgAutoName(table: string, column: string | null, label: string): string {
    let t = table.length;
    let c = column?.length ?? 0;
    const avail = 63 - (label.length + 1) - (column === null ? 0 : 1);
    while (t + c > avail) {
      if (t > c) t--;
      else c--;
    }
    return column === null ? `${table.slice(0, t)}_${label}` : `${table.slice(0, t)}_${column.slice(0, c)}_${label}`;
  }

  private recordColumn(table: string, column: Column): void {
    if (column.primaryKey) this.catalog.add(table, { name: this.vendor === 'postgresql' ? this.pgAutoName(table, null, 'pkey') : 'PRIMARY', kind: 'pk', columns: [column.name] });
    else if (column.unique) {
      const name = this.vendor === 'postgresql' ? this.pgAutoName(table, column.name, 'key') : this.mysqlIndexName(table, column.name);
      this.catalog.add(table, { name, kind: 'unique', columns: [column.name] });
    }
    if (column.check) {
      // PostgreSQL names a column CHECK table_column_check; MariaDB names it after the column.
      const name = this.vendor === 'postgresql' ? this.pgAutoName(table, column.name, 'check') : column.name;
      this.catalog.add(table, { name, kind: 'check', columns: [column.name] });
    }
  }

  private mysqlIndexName(table: string, column: string): string {
    const taken = new Set(this.catalog.entries(table).map((entry) => entry.name));
    if (!taken.has(column)) return column;
    let n = 2;
    while (taken.has(`${column}_${n}`)) n++;
    return `${column}_${n}`;
  }

  private recordIndex(table: string, entry: CatalogEntry): void {
    if (this.vendor === 'mysql') {
      // InnoDB drops the index it made for a foreign key once another index starts with that column.
      for (const existing of this.catalog.entries(table)) {
        if (existing.implicit && existing.columns[0] === entry.columns[0]) this.catalog.remove(table, existing.name);
      }
    }
    this.catalog.add(table, entry);
  }

  private recordForeignKey(table: string, name: string, column: string): void {
    if (this.vendor === 'mysql' && !this.catalog.entries(table).some((entry) => entry.kind !== 'fk' && entry.kind !== 'check' && entry.columns[0] === column)) {
      this.catalog.add(table, { name, kind: 'index', columns: [column], implicit: true });
    }
    this.catalog.add(table, { name, kind: 'fk', columns: [column] });
  }

  // ---- indexes and foreign keys -------------------------------------------------------------

  createIndexSql(table: string, name: string, columns: readonly string[], options: IndexSqlOptions = {}): string {
    const cols = columns
      .map((column, i) => {
        const opclass = options.opclasses?.[i] ?? options.opclass;
        return `${this.q(column)}${opclass ? ` ${opclass}` : ''}${options.descending?.[i] && this.supportsOrdering() ? ' DESC' : ''}`;
      })
      .join(', ');
    const head = `CREATE ${options.unique ? 'UNIQUE ' : ''}INDEX${options.concurrently ? ' CONCURRENTLY' : ''}`;
    const using = options.using ? ` USING ${options.using}` : '';
    const include = options.include?.length ? ` INCLUDE (${options.include.map((c) => this.q(c)).join(', ')})` : '';
    const extra = options.withParams?.length ? ` WITH (${options.withParams.join(', ')})` : '';
    const where = options.condition ? ` WHERE ${options.condition}` : '';
    return `${head} ${this.q(name)} ON ${this.q(table)}${using} (${cols})${include}${extra}${where}`;
  }

  private supportsOrdering(): boolean {
    if (this.vendor === 'postgresql') return true;
    return this.mariadb ? atLeast(this.target, '10.8') : true;
  }

  /** _field_indexes_sql: the index for db_index, and on PostgreSQL the `_like` index for varchar/text. */
  private fieldIndexes(table: string, column: Column, into: 'defer' | 'emit'): void {
    const put = (sql: string, action: Action) => (into === 'defer' ? this.defer(sql, action, table) : this.emit(sql, action, table));
    if (this.shouldIndex(column)) {
      const name = this.indexName(table, [column.name], '');
      put(this.createIndexSql(table, name, [column.name]), { kind: 'create-index', concurrently: false, unique: false });
      this.recordIndex(table, { name, kind: 'index', columns: [column.name], btree: true });
    }
    if (this.vendor === 'postgresql' && (column.dbIndex || column.unique)) this.likeIndex(table, column, put);
  }

  private likeIndex(table: string, column: Column, put: (sql: string, action: Action) => void): void {
    const opclass = column.dbType.startsWith('varchar') ? 'varchar_pattern_ops' : column.dbType.startsWith('text') ? 'text_pattern_ops' : null;
    if (!opclass || column.dbType.includes('[')) return;
    if (column.collation) throw new Unpredictable('whether a `_like` index is made depends on the collation being deterministic');
    const name = this.indexName(table, [column.name], '_like');
    put(this.createIndexSql(table, name, [column.name], { opclass }), { kind: 'create-index', concurrently: false, unique: false });
    this.recordIndex(table, { name, kind: 'index', columns: [column.name], btree: true });
  }

  private shouldIndex(column: Column): boolean {
    if (!column.dbIndex || column.unique) return false;
    // InnoDB indexes a foreign key column itself.
    if (this.vendor === 'mysql' && column.field.type === 'ForeignKey' && column.relation?.dbConstraint) return false;
    return true;
  }

  private fkName(table: string, column: Column): string {
    const relation = column.relation!;
    return this.indexName(table, [column.name], `_fk_${relation.table}_${relation.column}`);
  }

  private createFkSql(table: string, column: Column): string {
    const relation = column.relation!;
    const deferrable = this.vendor === 'postgresql' ? ' DEFERRABLE INITIALLY DEFERRED' : '';
    return `ALTER TABLE ${this.q(table)} ADD CONSTRAINT ${this.q(this.fkName(table, column))} FOREIGN KEY (${this.q(column.name)}) REFERENCES ${this.q(relation.table)} (${this.q(relation.column)})${deferrable}`;
  }

  private deleteFk(table: string, name: string): void {
    if (this.vendor === 'postgresql') {
      this.emit(`SET CONSTRAINTS ${this.q(name)} IMMEDIATE`, { kind: 'set-constraints' }, table);
      this.emit(`ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(name)}`, { kind: 'drop-constraint', constraint: 'fk' }, table);
    } else {
      this.emit(`ALTER TABLE ${this.q(table)} DROP FOREIGN KEY ${this.q(name)}`, { kind: 'drop-constraint', constraint: 'fk' }, table);
    }
    // InnoDB keeps the index it made for the key.
    this.catalog.remove(table, name, 'fk');
  }

  private deleteIndex(table: string, name: string, concurrently = false): void {
    const sql = this.vendor === 'postgresql' ? `DROP INDEX${concurrently ? ' CONCURRENTLY' : ''} IF EXISTS ${this.q(name)}` : `DROP INDEX ${this.q(name)} ON ${this.q(table)}`;
    this.emit(sql, { kind: 'drop-index', concurrently }, table);
    this.catalog.remove(table, name);
  }

  private deleteUnique(table: string, name: string): void {
    const sql = this.vendor === 'postgresql' ? `ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(name)}` : `ALTER TABLE ${this.q(table)} DROP INDEX ${this.q(name)}`;
    this.emit(sql, { kind: 'drop-constraint', constraint: 'unique' }, table);
    this.catalog.remove(table, name);
  }

  private deleteCheck(table: string, name: string): void {
    let sql = `ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(name)}`;
    if (this.vendor === 'mysql') sql = this.mariadb ? `ALTER TABLE ${this.q(table)} DROP CONSTRAINT IF EXISTS ${this.q(name)}` : `ALTER TABLE ${this.q(table)} DROP CHECK ${this.q(name)}`;
    this.emit(sql, { kind: 'drop-constraint', constraint: 'check' }, table);
    this.catalog.remove(table, name);
  }

  private addUnique(table: string, name: string, columns: readonly string[]): void {
    this.emit(`ALTER TABLE ${this.q(table)} ADD CONSTRAINT ${this.q(name)} UNIQUE (${columns.map((c) => this.q(c)).join(', ')})`, { kind: 'add-unique' }, table);
    this.recordIndex(table, { name, kind: 'unique', columns: [...columns] });
  }

  /** MySQL keeps an index for a foreign key: before dropping one that starts with it, Django adds one. */
  private createMissingFkIndex(state: StateView, model: ModelState, firstField: string | undefined): void {
    if (this.vendor !== 'mysql' || !firstField) return;
    const field = model.fields.get(firstField.toLowerCase());
    if (!field || field.type !== 'ForeignKey') return;
    const column = this.column(state, model, firstField, field);
    const table = this.table(model);
    const starting = this.catalog.entries(table).filter((entry) => entry.kind !== 'fk' && entry.kind !== 'check' && entry.columns[0] === column.name);
    if (starting.length === 1) {
      const name = this.indexName(table, [column.name], '');
      this.emit(this.createIndexSql(table, name, [column.name]), { kind: 'create-index', concurrently: false, unique: false }, table);
      this.catalog.add(table, { name, kind: 'index', columns: [column.name], btree: true });
    }
  }

  // ---- models --------------------------------------------------------------------------------

  createModel(state: StateView, model: ModelState): void {
    const table = this.table(model);
    const definitions: string[] = [];
    const columns: Column[] = [];
    this.catalog.createTable(table);
    for (const sets of togetherSets(model.options['unique_together'])) {
      const cols = sets.map((name) => this.fieldColumn(state, model, name));
      const name = this.indexName(table, cols, '_uniq');
      this.defer(`ALTER TABLE ${this.q(table)} ADD CONSTRAINT ${this.q(name)} UNIQUE (${cols.map((c) => this.q(c)).join(', ')})`, { kind: 'add-unique' }, table);
      this.recordIndex(table, { name, kind: 'unique', columns: cols });
    }
    for (const [fieldName, field] of model.fields) {
      if (!hasColumn(field)) continue;
      const column = this.column(state, model, fieldName, field);
      columns.push(column);
      definitions.push(`${this.q(column.name)} ${this.columnSql(column, false)}`);
      this.recordColumn(table, column);
      if (column.relation?.dbConstraint) {
        this.defer(this.createFkSql(table, column), { kind: 'add-foreign-key', references: column.relation.table }, table);
        this.recordForeignKey(table, this.fkName(table, column), column.name);
      }
    }
    for (const constraint of listItems(model.options['constraints'])) {
      const inline = this.inlineConstraint(state, model, table, constraint);
      if (inline) definitions.push(inline);
    }
    this.emit(`CREATE TABLE ${this.q(table)} (${definitions.join(', ')})`, { kind: 'create-table' }, table);
    for (const column of columns) this.fieldIndexes(table, column, 'defer');
    for (const index of listItems(model.options['indexes'])) this.addIndex(state, model, index, false, true);
    for (const sets of togetherSets(model.options['index_together'])) this.togetherIndex(state, model, sets, true);
    for (const through of this.joinTables(state, model)) this.createModel(state, through);
  }

  /** The join tables Django creates with a model: one per many-to-many field without `through=`. */
  private joinTables(state: StateView, model: ModelState, only?: string): ModelState[] {
    const out: ModelState[] = [];
    for (const [fieldName, field] of model.fields) {
      if (only !== undefined && fieldName !== only.toLowerCase()) continue;
      if (field.type === 'ManyToManyField' && !isManyToMany(field)) throw new Unpredictable(`${fieldName} is a ${field.classPath}: its join table is defined by that package`);
      if (isManyToMany(field) && autoThrough(field)) out.push(throughModel(state, model, fieldName, field, this.vendor, this.swappable, this.defaultAutoField));
    }
    return out;
  }

  /** A constraint inside CREATE TABLE; a conditional unique is a deferred index instead (Django's _unique_sql). */
  private inlineConstraint(state: StateView, model: ModelState, table: string, constraint: PyValue): string | null {
    const parsed = this.constraintSql(state, model, constraint);
    if (parsed.kind === 'partial-unique') {
      if (parsed.index) this.defer(parsed.index, { kind: 'create-index', concurrently: false, unique: true }, table);
      if (parsed.index) this.recordIndex(table, { name: parsed.name, kind: 'index', columns: parsed.columns });
      return null;
    }
    this.catalog.add(table, { name: parsed.name, kind: parsed.kind, columns: parsed.columns });
    return `CONSTRAINT ${this.q(parsed.name)} ${parsed.body}`;
  }

  deleteModel(model: ModelState, state?: StateView): void {
    if (state) for (const through of this.joinTables(state, model)) this.deleteModel(through);
    else if ([...model.fields.values()].some((f) => f.type === 'ManyToManyField')) throw new Unpredictable('the join tables of the model are not known');
    const table = this.table(model);
    this.emit(`DROP TABLE ${this.q(table)} CASCADE`, { kind: 'drop-table' }, table);
    this.catalog.dropTable(table);
    // Django drops the deferred statements that reference the table.
    const referencing = `REFERENCES ${this.q(table)}`;
    for (let i = this.deferred.length - 1; i >= 0; i--) {
      const statement = this.deferred[i]!;
      if (statement.table === table || statement.sql.includes(referencing)) this.deferred.splice(i, 1);
    }
  }

  /** AlterModelTable: the table, then the join tables named after it (one with its own db_table stays). */
  alterModelTable(model: ModelState, next: ModelState): void {
    this.renameTable(this.table(model), this.table(next));
    for (const [fieldName, field] of model.fields) {
      if (!isManyToMany(field) || !autoThrough(field)) continue;
      const own = field.kwargs['db_table'];
      if (own?.kind === 'str') continue;
      if (own !== undefined && own.kind !== 'none') throw new Unpredictable('`db_table=` of a many-to-many field is not a literal');
      const joinTable = (m: ModelState) => truncateName(`${this.table(m)}_${fieldName}`, this.maxName());
      this.renameTable(joinTable(model), joinTable(next));
    }
  }

  /** Django rewrites the pending deferred statements of a renamed table or column (and the names built from them). */
  private assertNoDeferred(table: string, column?: string): void {
    const quoted = column === undefined ? null : this.q(column);
    const pending = this.deferred.filter((s) => s.table === table && (quoted === null || s.sql.includes(quoted)));
    for (const statement of pending) this.invalidated.add(statement);
    if (pending.length > 0) {
      throw new Unpredictable(`${column ?? table} was created earlier in this migration: Django renames its pending index and foreign key statements, which is not followed`);
    }
  }

  renameTable(from: string, to: string): void {
    if (from === to) return;
    this.assertNoDeferred(from);
    const sql = this.vendor === 'postgresql' ? `ALTER TABLE ${this.q(from)} RENAME TO ${this.q(to)}` : `RENAME TABLE ${this.q(from)} TO ${this.q(to)}`;
    this.emit(sql, { kind: 'rename-table' }, from);
    this.catalog.renameTable(from, to);
  }

  // ---- fields --------------------------------------------------------------------------------

  fieldColumn(state: StateView, model: ModelState, fieldName: string): string {
    const field = model.fields.get(fieldName.toLowerCase());
    if (!field) throw new Unpredictable(`${model.name} has no field ${fieldName} in the replayed state`);
    return this.column(state, model, fieldName, field).name;
  }

  addField(state: StateView, model: ModelState, fieldName: string, field: FieldDef): void {
    if (field.type === 'ManyToManyField') {
      if (fieldName !== fieldName.toLowerCase()) throw new Unpredictable('a many-to-many field named with capitals: the replayed state keeps lower-cased names');
      for (const through of this.joinTables(state, { ...model, fields: new Map([[fieldName, field]]) })) this.createModel(state, through);
      return;
    }
    if (!hasColumn(field)) return;
    const table = this.table(model);
    const column = this.column(state, model, fieldName, field);
    let definition = this.columnSql(column, true);
    const fk = column.relation?.dbConstraint ? column.relation : null;
    const fkName = fk ? this.fkName(table, column) : '';
    if (fk && this.vendor === 'mysql') definition += ` , ADD CONSTRAINT ${this.q(fkName)} FOREIGN KEY (${this.q(column.name)}) REFERENCES ${this.q(fk.table)}(${this.q(fk.column)})`;
    if (fk && this.vendor === 'postgresql') definition += ` CONSTRAINT ${this.q(fkName)} REFERENCES ${this.q(fk.table)}(${this.q(fk.column)}) DEFERRABLE INITIALLY DEFERRED`;
    const dbDefault = dbDefaultSql(column, this.vendor);
    const effective = dbDefault === undefined && !this.skipDefault(column) ? effectiveDefault(column, this.vendor) : undefined;
    const volatile = column.field.kwargs['db_default']?.kind === 'call' && !/(^|\.)(Now|Value)$/.test((column.field.kwargs['db_default'] as { callee: string }).callee);
    this.emit(`ALTER TABLE ${this.q(table)} ADD COLUMN ${this.q(column.name)} ${definition}`, {
      kind: 'add-column',
      unique: column.unique,
      foreignKey: fk ? fk.table : null,
      volatileDefault: volatile,
      hasDefault: dbDefault !== undefined || effective !== undefined,
      notNull: !column.null,
    }, table);
    if (fk && this.vendor === 'postgresql') this.emit(`SET CONSTRAINTS ${this.q(fkName)} IMMEDIATE`, { kind: 'set-constraints' }, table);
    this.recordColumn(table, column);
    if (fk) this.recordForeignKey(table, fkName, column.name);
    if (!this.skipDefaultOnAlter(column) && effectiveDefault(column, this.vendor) !== undefined && dbDefault === undefined) {
      // MySQL's sql_alter_column_no_default_null for a nullable column.
      const drop = this.vendor === 'mysql' && column.null ? 'SET DEFAULT NULL' : 'DROP DEFAULT';
      this.emit(`ALTER TABLE ${this.q(table)} ALTER COLUMN ${this.q(column.name)} ${drop}`, { kind: 'alter-columns', changes: [{ change: 'drop-default' }] }, table);
    }
    if (this.vendor === 'mysql' && this.skipDefault(column) && field.kwargs['default'] !== undefined && field.kwargs['default'].kind !== 'none') {
      const value = effectiveDefault(column, this.vendor)!;
      this.emit(`UPDATE ${this.q(table)} SET ${this.q(column.name)} = ${value}`, { kind: 'update-rows' }, table);
    }
    this.fieldIndexes(table, column, 'defer');
  }

  removeField(state: StateView, model: ModelState, fieldName: string): void {
    const field = model.fields.get(fieldName.toLowerCase());
    if (!field) throw new Unpredictable(`${model.name} has no field ${fieldName} in the replayed state`);
    if (field.type === 'ManyToManyField') {
      for (const through of this.joinTables(state, model, fieldName)) this.deleteModel(through);
      return;
    }
    if (!hasColumn(field)) return;
    const table = this.table(model);
    const column = this.column(state, model, fieldName, field);
    if (isRelation(field)) for (const name of this.catalog.names(table, [column.name], (e) => e.kind === 'fk')) this.deleteFk(table, name);
    const cascade = this.vendor === 'postgresql' ? ' CASCADE' : '';
    const indexed = this.catalog.entries(table).some((entry) => entry.kind !== 'fk' && entry.kind !== 'check' && entry.columns.includes(column.name));
    this.emit(`ALTER TABLE ${this.q(table)} DROP COLUMN ${this.q(column.name)}${cascade}`, { kind: 'drop-column', indexed }, table);
    this.catalog.dropColumn(table, column.name, this.vendor === 'mysql');
    const quoted = this.q(column.name);
    for (let i = this.deferred.length - 1; i >= 0; i--) {
      const statement = this.deferred[i]!;
      if (statement.table === table && statement.sql.includes(`(${quoted}`)) this.deferred.splice(i, 1);
    }
  }

  renameColumn(table: string, from: Column, to: Column): void {
    if (from.name === to.name) return;
    this.assertNoDeferred(table, from.name);
    const legacy = this.mariadb && !atLeast(this.target, '10.5.2');
    const sql = legacy
      ? `ALTER TABLE ${this.q(table)} CHANGE ${this.q(from.name)} ${this.q(to.name)} ${to.dbType}`
      : `ALTER TABLE ${this.q(table)} RENAME COLUMN ${this.q(from.name)} TO ${this.q(to.name)}`;
    this.emit(sql, { kind: 'rename-column' }, table);
    this.catalog.renameColumn(table, from.name, to.name);
  }

  /** Django compares column checks with the column name masked, so a rename alone keeps the check. */
  private checkChanged(oldColumn: Column, newColumn: Column): boolean {
    const mask = (column: Column) => column.check?.split(this.q(column.name)).join('__column_name__') ?? null;
    return mask(oldColumn) !== mask(newColumn);
  }

  /** _field_should_be_altered for two many-to-many fields: anything but non-database attributes. */
  private manyToManyChanged(before: StateView, after: StateView, model: ModelState, oldField: FieldDef, newField: FieldDef): boolean {
    const keys = new Set([...Object.keys(oldField.kwargs), ...Object.keys(newField.kwargs)]);
    for (const key of keys) {
      if (NON_DB_ATTRS.has(key)) continue;
      if (key === 'to') {
        if (relatedModel(before, model.app, oldField, this.swappable).key !== relatedModel(after, model.app, newField, this.swappable).key) return true;
        continue;
      }
      if (JSON.stringify(stripLines(oldField.kwargs[key])) !== JSON.stringify(stripLines(newField.kwargs[key]))) return true;
    }
    return false;
  }

  private shouldAlter(oldField: FieldDef, newField: FieldDef, oldColumn: Column, newColumn: Column): boolean {
    if (oldColumn.name !== newColumn.name || oldField.type !== newField.type) return true;
    const keys = new Set([...Object.keys(oldField.kwargs), ...Object.keys(newField.kwargs)]);
    for (const key of keys) {
      if (NON_DB_ATTRS.has(key)) continue;
      if (key === 'to') {
        if (oldColumn.relation?.table !== newColumn.relation?.table || oldColumn.relation?.column !== newColumn.relation?.column) return true;
        continue;
      }
      if (JSON.stringify(stripLines(oldField.kwargs[key])) !== JSON.stringify(stripLines(newField.kwargs[key]))) return true;
    }
    return false;
  }

  /** BaseDatabaseSchemaEditor._alter_field plus the PostgreSQL `_like` index steps. */
  alterField(before: StateView, after: StateView, model: ModelState, newModel: ModelState, fieldName: string, oldField: FieldDef, newField: FieldDef, newName = fieldName): void {
    if (isManyToMany(oldField) && isManyToMany(newField) && fieldName === newName && !this.manyToManyChanged(before, after, model, oldField, newField)) return;
    if (!hasColumn(oldField) || !hasColumn(newField)) throw new Unpredictable('altering a many-to-many or generated field is not predicted yet');
    const table = this.table(model);
    const oldColumn = this.column(before, model, fieldName, oldField);
    const newColumn = this.column(after, newModel, newName, newField);
    if (!this.shouldAlter(oldField, newField, oldColumn, newColumn)) return;
    if (oldColumn.primaryKey !== newColumn.primaryKey) throw new Unpredictable('changing the primary key is not predicted yet');
    let fksDropped = false;
    if (oldColumn.relation?.dbConstraint) {
      for (const name of this.catalog.names(table, [oldColumn.name], (e) => e.kind === 'fk')) {
        this.deleteFk(table, name);
        fksDropped = true;
      }
    }
    if (oldColumn.unique && !newColumn.unique) {
      const meta = this.metaConstraintNames(model);
      for (const name of this.catalog.names(table, [oldColumn.name], (e) => e.kind === 'unique' && !meta.has(e.name))) this.deleteUnique(table, name);
    }
    if ((oldColumn.primaryKey || (oldColumn.unique && newColumn.unique)) && oldColumn.dbType !== newColumn.dbType) {
      throw new Unpredictable('changing the type of a key other tables may point at: Django also alters their columns');
    }
    if (oldColumn.dbIndex && !oldColumn.unique && (!newColumn.dbIndex || newColumn.unique)) {
      const names = this.catalog.names(table, [oldColumn.name], (e) => e.kind === 'index' && e.btree === true);
      // Django drops them in the order PostgreSQL's catalog lists them, which no query orders.
      if (names.length > 1 && this.vendor === 'postgresql') throw new Unpredictable(`Django drops ${names.length} indexes of ${oldColumn.name} in the order the database lists them`);
      for (const name of names) this.deleteIndex(table, name);
    }
    if (this.checkChanged(oldColumn, newColumn) && oldColumn.check) {
      for (const name of this.catalog.names(table, [oldColumn.name], (e) => e.kind === 'check')) this.deleteCheck(table, name);
    }
    this.renameColumn(table, oldColumn, newColumn);
    const needsDefault = this.alterColumns(table, oldColumn, newColumn);
    if (!oldColumn.unique && newColumn.unique) this.addUnique(table, this.indexName(table, [newColumn.name], '_uniq'), [newColumn.name]);
    if ((!oldColumn.dbIndex || oldColumn.unique) && newColumn.dbIndex && !newColumn.unique && this.shouldIndex(newColumn)) {
      const name = this.indexName(table, [newColumn.name], '');
      this.emit(this.createIndexSql(table, name, [newColumn.name]), { kind: 'create-index', concurrently: false, unique: false }, table);
      this.recordIndex(table, { name, kind: 'index', columns: [newColumn.name], btree: true });
    }
    if (newColumn.relation?.dbConstraint && (fksDropped || !oldColumn.relation || !oldColumn.relation.dbConstraint)) {
      this.emit(this.createFkSql(table, newColumn), { kind: 'add-foreign-key', references: newColumn.relation.table }, table);
      this.recordForeignKey(table, this.fkName(table, newColumn), newColumn.name);
    }
    if (this.checkChanged(oldColumn, newColumn) && newColumn.check) {
      const name = this.indexName(table, [newColumn.name], '_check');
      this.emit(`ALTER TABLE ${this.q(table)} ADD CONSTRAINT ${this.q(name)} CHECK (${newColumn.check})`, { kind: 'add-check' }, table);
      this.catalog.add(table, { name, kind: 'check', columns: [newColumn.name] });
    }
    if (needsDefault) this.emit(`ALTER TABLE ${this.q(table)} ALTER COLUMN ${this.q(newColumn.name)} DROP DEFAULT`, { kind: 'alter-columns', changes: [{ change: 'drop-default' }] }, table);
    if (this.vendor === 'postgresql') this.pgLikeChanges(table, oldColumn, newColumn);
  }

  private pgLikeChanges(table: string, oldColumn: Column, newColumn: Column): void {
    if ((!(oldColumn.dbIndex || oldColumn.unique) && newColumn.dbIndex) || (!oldColumn.unique && newColumn.unique)) {
      this.likeIndex(table, newColumn, (sql, action) => this.emit(sql, action, table));
    }
    if (oldColumn.unique && !(newColumn.dbIndex || newColumn.unique)) this.deleteIndex(table, this.indexName(table, [oldColumn.name], '_like'));
  }

  private metaConstraintNames(model: ModelState): Set<string> {
    return new Set(listItems(model.options['constraints']).map((c) => (c.kind === 'call' ? str(c.kwargs['name']) : undefined)).filter((n): n is string => n !== undefined));
  }

  /** The ALTER COLUMN part of _alter_field; true when a temporary default must be dropped after. */
  private alterColumns(table: string, oldColumn: Column, newColumn: Column): boolean {
    const actions: Array<{ sql: string; change: ColumnChange }> = [];
    const nullActions: Array<{ sql: string; change: ColumnChange }> = [];
    if (oldColumn.dbType !== newColumn.dbType || oldColumn.typeSuffix !== newColumn.typeSuffix || oldColumn.collation !== newColumn.collation) {
      if (oldColumn.typeSuffix !== newColumn.typeSuffix) throw new Unpredictable('changing to or from an auto field changes its identity or sequence');
      actions.push(this.typeChange(table, oldColumn, newColumn));
    }
    const oldDb = dbDefaultSql(oldColumn, this.vendor);
    const newDb = dbDefaultSql(newColumn, this.vendor);
    if (newDb !== undefined && newDb !== oldDb) actions.push({ sql: `ALTER COLUMN ${this.q(newColumn.name)} SET DEFAULT ${newDb}`, change: { change: 'set-default' } });
    else if (newDb === undefined && oldDb !== undefined) actions.push({ sql: `ALTER COLUMN ${this.q(newColumn.name)} DROP DEFAULT`, change: { change: 'drop-default' } });
    let needsDefault = false;
    let newDefault: string | undefined;
    if (oldColumn.null && !newColumn.null && newDb === undefined) {
      const oldDefault = effectiveDefault(oldColumn, this.vendor);
      newDefault = effectiveDefault(newColumn, this.vendor);
      // psycopg's Jsonb adapters never compare equal, so Django always sets the temporary default of a JSONField.
      const differs = oldDefault !== newDefault || (this.vendor === 'postgresql' && newColumn.internalType === 'JSONField');
      if (!this.skipDefaultOnAlter(newColumn) && differs && newDefault !== undefined) {
        needsDefault = true;
        actions.push({ sql: `ALTER COLUMN ${this.q(newColumn.name)} SET DEFAULT ${this.defaultSql(newColumn, newDefault)}`, change: { change: 'set-default' } });
      }
    }
    if (oldColumn.null !== newColumn.null) nullActions.push(this.nullChange(newColumn));
    const hasDefault = (newColumn.field.kwargs['default'] !== undefined && newColumn.field.kwargs['default'].kind !== 'none') || newDb !== undefined;
    const fourWay = hasDefault && oldColumn.null && !newColumn.null;
    if (actions.length === 0 && nullActions.length === 0) return needsDefault;
    const all = fourWay ? actions : [...actions, ...nullActions];
    const groups = this.vendor === 'postgresql' && all.length > 0 ? [all] : all.map((a) => [a]);
    for (const group of groups) {
      this.emit(`ALTER TABLE ${this.q(table)} ${group.map((a) => a.sql).join(', ')}`, { kind: 'alter-columns', changes: group.map((a) => a.change) }, table);
    }
    if (fourWay) {
      const value = newDb ?? newDefault ?? effectiveDefault(newColumn, this.vendor);
      if (value === undefined) throw new Unpredictable('the value for existing NULL rows is not known');
      const tail = this.vendor === 'postgresql' ? '; SET CONSTRAINTS ALL IMMEDIATE' : '';
      this.emit(`UPDATE ${this.q(table)} SET ${this.q(newColumn.name)} = ${value} WHERE ${this.q(newColumn.name)} IS NULL`, { kind: 'update-rows' }, table);
      if (tail) this.emit('SET CONSTRAINTS ALL IMMEDIATE', { kind: 'set-constraints' }, table);
      for (const action of nullActions) this.emit(`ALTER TABLE ${this.q(table)} ${action.sql}`, { kind: 'alter-columns', changes: [action.change] }, table);
    }
    return needsDefault;
  }

  private nullChange(column: Column): { sql: string; change: ColumnChange } {
    const change: ColumnChange = { change: column.null ? 'drop-not-null' : 'set-not-null' };
    if (this.vendor === 'postgresql') return { sql: `ALTER COLUMN ${this.q(column.name)} ${column.null ? 'DROP NOT NULL' : 'SET NOT NULL'}`, change };
    if (dbDefaultSql(column, this.vendor) !== undefined) throw new Unpredictable('a NULL change on a column with db_default is written differently on MySQL');
    return { sql: `MODIFY ${this.q(column.name)} ${column.dbType} ${column.null ? 'NULL' : 'NOT NULL'}`, change };
  }

  private typeChange(table: string, oldColumn: Column, newColumn: Column): { sql: string; change: ColumnChange } {
    const rewrite = typeRewrites(oldColumn, newColumn);
    const change: ColumnChange = { change: 'type', rewrite, mysql: mysqlTypeChange(oldColumn, newColumn) };
    if (this.vendor === 'mysql') {
      let type = newColumn.dbType + this.collate(newColumn);
      const db = dbDefaultSql(newColumn, this.vendor);
      if (db !== undefined) type += ` DEFAULT ${db}`;
      type += newColumn.null ? ' NULL' : ' NOT NULL';
      return { sql: `MODIFY ${this.q(newColumn.name)} ${type}`, change };
    }
    const oldVarchar = oldColumn.dbType.startsWith('varchar');
    const oldText = oldColumn.dbType.startsWith('text');
    if ((oldColumn.dbIndex || oldColumn.unique) && ((oldVarchar && !newColumn.dbType.startsWith('varchar')) || (oldText && !newColumn.dbType.startsWith('text')))) {
      this.deleteIndex(table, this.indexName(table, [oldColumn.name], '_like'));
    }
    let sql = `ALTER COLUMN ${this.q(newColumn.name)} TYPE ${newColumn.dbType}${this.collate(newColumn)}`;
    if (typeTemplate(oldColumn) !== typeTemplate(newColumn)) sql += ` USING ${this.q(newColumn.name)}::${newColumn.dbType}`;
    return { sql, change };
  }

  // ---- indexes and constraints --------------------------------------------------------------

  /** AddIndex / AddIndexConcurrently, or an index of a new model (deferred). */
  addIndex(state: StateView, model: ModelState, index: PyValue, concurrently: boolean, deferred = false): void {
    const table = this.table(model);
    const spec = readIndex(index, this.resolve);
    if (this.vendor === 'mysql' && spec.using) throw new Unpredictable('a PostgreSQL index class: Django sends its storage parameters to MySQL, which refuses them');
    const columns = spec.fields.map((f) => this.fieldColumn(state, model, f));
    // MySQL has no opclasses, covering or partial indexes: Django leaves those parts out.
    const postgres = this.vendor === 'postgresql';
    const sql = this.createIndexSql(table, spec.name, columns, {
      concurrently,
      descending: spec.descending,
      opclasses: postgres ? spec.opclasses : [],
      using: spec.using,
      withParams: spec.withParams,
      include: postgres ? spec.include.map((f) => this.fieldColumn(state, model, f)) : [],
      condition: postgres && spec.condition ? this.condition(state, model, spec.condition).sql : null,
    });
    const action: Action = { kind: 'create-index', concurrently, unique: false };
    if (deferred) this.defer(sql, action, table);
    else this.emit(sql, action, table);
    this.recordIndex(table, { name: spec.name, kind: 'index', columns });
  }

  removeIndex(state: StateView, model: ModelState, name: string, concurrently: boolean): void {
    const table = this.table(model);
    const index = listItems(model.options['indexes']).find((i) => i.kind === 'call' && str(i.kwargs['name']) === name);
    if (this.vendor === 'mysql') {
      if (!index) throw new Unpredictable(`index ${name} is not in the replayed state`);
      if (index.kind === 'call' && isPostgresIndexName(index.callee)) throw new Unpredictable('a PostgreSQL index class: its creation is not predicted on MySQL either');
      this.createMissingFkIndex(state, model, this.indexFieldNames(index)[0]);
    }
    this.deleteIndex(table, name, concurrently);
  }

  private indexFieldNames(index: PyValue): string[] {
    if (index.kind !== 'call') throw new Unpredictable('the index is not a literal models.Index(...)');
    return listItems(index.kwargs['fields']).map((f) => {
      const name = str(f);
      if (name === undefined) throw new Unpredictable('index fields are not literal strings');
      return name.replace(/^-/, '');
    });
  }

  /** A Q compiled for this model, with the columns it reads. */
  private condition(state: StateView, model: ModelState, q: PyValue): { sql: string; columns: string[] } {
    const columns: string[] = [];
    const sql = compileCondition(q, {
      vendor: this.vendor,
      column: (fieldName) => {
        const field = model.fields.get(fieldName.toLowerCase());
        if (!field || !hasColumn(field)) throw new Unpredictable(`${model.name} has no column field ${fieldName}`);
        const column = this.column(state, model, fieldName, field);
        if (!columns.includes(column.name)) columns.push(column.name);
        return column;
      },
    });
    return { sql, columns };
  }

  /** A literal UniqueConstraint or CheckConstraint: its ALTER body, or for a conditional unique its index. */
  constraintSql(state: StateView, model: ModelState, constraint: PyValue): ParsedConstraint {
    if (constraint.kind !== 'call') throw new Unpredictable('the constraint is not a literal call');
    const name = str(constraint.kwargs['name']);
    if (!name) throw new Unpredictable('the constraint has no literal name');
    if (/(^|\.)UniqueConstraint$/.test(constraint.callee)) return this.uniqueConstraint(state, model, constraint, name);
    if (/(^|\.)CheckConstraint$/.test(constraint.callee)) {
      const condition = constraint.kwargs['condition'] ?? constraint.kwargs['check'];
      if (!condition) throw new Unpredictable('the check has no literal condition');
      const compiled = this.condition(state, model, condition);
      return { name, kind: 'check', columns: compiled.columns, body: `CHECK (${compiled.sql})` };
    }
    throw new Unpredictable(`${constraint.callee} is not predicted yet`);
  }

  private uniqueConstraint(state: StateView, model: ModelState, constraint: PyValue & { kind: 'call' }, name: string): ParsedConstraint {
    for (const key of Object.keys(constraint.kwargs)) if (!UNIQUE_KWARGS.has(key)) throw new Unpredictable(`a unique constraint with \`${key}=\` is not predicted yet`);
    if (constraint.args.length > 0) throw new Unpredictable('a unique constraint on expressions is not predicted yet');
    const fields = listItems(constraint.kwargs['fields']).map((f) => str(f));
    if (fields.length === 0 || fields.some((f) => f === undefined)) throw new Unpredictable('constraint fields are not literal strings');
    const columns = fields.map((f) => this.fieldColumn(state, model, f!));
    const condition = constraint.kwargs['condition'];
    if (condition === undefined || condition.kind === 'none') return { name, kind: 'unique', columns, body: `UNIQUE (${columns.map((c) => this.q(c)).join(', ')})` };
    // MySQL has no partial indexes: Django skips the constraint there.
    if (this.vendor === 'mysql') return { name, kind: 'partial-unique', columns, body: '', index: null };
    const where = this.condition(state, model, condition).sql;
    return { name, kind: 'partial-unique', columns, body: '', index: this.createIndexSql(this.table(model), name, columns, { unique: true, condition: where }) };
  }

  addConstraint(state: StateView, model: ModelState, constraint: PyValue): void {
    const table = this.table(model);
    const parsed = this.constraintSql(state, model, constraint);
    if (parsed.kind === 'partial-unique') {
      if (parsed.index) this.emit(parsed.index, { kind: 'create-index', concurrently: false, unique: true }, table);
      if (parsed.index) this.recordIndex(table, { name: parsed.name, kind: 'index', columns: parsed.columns });
      return;
    }
    this.emit(`ALTER TABLE ${this.q(table)} ADD CONSTRAINT ${this.q(parsed.name)} ${parsed.body}`, { kind: parsed.kind === 'unique' ? 'add-unique' : 'add-check' }, table);
    if (parsed.kind === 'unique') this.recordIndex(table, { name: parsed.name, kind: 'unique', columns: parsed.columns });
    else this.catalog.add(table, { name: parsed.name, kind: 'check', columns: parsed.columns });
  }

  removeConstraint(state: StateView, model: ModelState, name: string): void {
    const table = this.table(model);
    const constraint = listItems(model.options['constraints']).find((c) => c.kind === 'call' && str(c.kwargs['name']) === name);
    if (!constraint || constraint.kind !== 'call') throw new Unpredictable(`constraint ${name} is not in the replayed state`);
    const parsed = this.constraintSql(state, model, constraint);
    if (parsed.kind === 'check') return this.deleteCheck(table, name);
    if (parsed.kind === 'partial-unique') {
      if (parsed.index) this.deleteIndex(table, name);
      return;
    }
    if (this.vendor === 'mysql') this.createMissingFkIndex(state, model, str(listItems(constraint.kwargs['fields'])[0]));
    this.deleteUnique(table, name);
  }

  alterTogether(state: StateView, model: ModelState, option: 'unique_together' | 'index_together', newValue: PyValue | undefined): void {
    const table = this.table(model);
    const key = (set: readonly string[]) => set.join('\u0000');
    const olds = togetherSets(model.options[option]);
    const news = togetherSets(newValue);
    const newKeys = new Set(news.map(key));
    const oldKeys = new Set(olds.map(key));
    const removed = olds.filter((set) => !newKeys.has(key(set))).length;
    const added = news.filter((set) => !oldKeys.has(key(set))).length;
    // Django walks a Python set of tuples, whose order follows string hashing, randomised per process.
    if (removed > 1 || added > 1) throw new Unpredictable(`Django ${removed > 1 ? 'drops' : 'adds'} these sets in the order of a Python set, which changes from run to run`);
    for (const set of olds) {
      if (newKeys.has(key(set))) continue;
      const columns = set.map((f) => this.fieldColumn(state, model, f));
      const names = this.catalog.names(table, columns, (e) => (option === 'unique_together' ? e.kind === 'unique' : e.kind === 'index'));
      if (names.length !== 1) throw new Unpredictable(`Django finds ${names.length} constraints for ${table}(${columns.join(', ')}) and refuses to guess`);
      if (this.vendor === 'mysql') this.createMissingFkIndex(state, model, set[0]);
      if (option === 'unique_together') this.deleteUnique(table, names[0]!);
      else this.deleteIndex(table, names[0]!);
    }
    for (const set of news) {
      if (oldKeys.has(key(set))) continue;
      if (option === 'unique_together') {
        const columns = set.map((f) => this.fieldColumn(state, model, f));
        this.addUnique(table, this.indexName(table, columns, '_uniq'), columns);
      } else this.togetherIndex(state, model, set, false);
    }
  }

  private togetherIndex(state: StateView, model: ModelState, set: readonly string[], deferred: boolean): void {
    const table = this.table(model);
    const columns = set.map((f) => this.fieldColumn(state, model, f));
    const name = this.indexName(table, columns, '_idx');
    const sql = this.createIndexSql(table, name, columns);
    const action: Action = { kind: 'create-index', concurrently: false, unique: false };
    if (deferred) this.defer(sql, action, table);
    else this.emit(sql, action, table);
    this.recordIndex(table, { name, kind: 'index', columns });
  }
}

function stripLines(value: PyValue | undefined): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'line' ? undefined : v)));
}

/** The data_types entry a column type came from (what PostgreSQL's _using_sql compares). */
function typeTemplate(column: Column): string {
  return column.dbType.replace(/\(.*\)/, '(…)');
}

/** PostgreSQL rewrites unless the new type is binary-coercible and no narrower. */
function typeRewrites(oldColumn: Column, newColumn: Column): boolean {
  const o = /^(varchar|numeric)(?:\((\d+)(?:, (\d+))?\))?$/.exec(oldColumn.dbType);
  const n = /^(varchar|numeric)(?:\((\d+)(?:, (\d+))?\))?$/.exec(newColumn.dbType);
  if (o && n && o[1] === n[1]) {
    if (n[2] === undefined) return false;
    if (o[2] === undefined) return true;
    if (o[1] === 'numeric') return o[3] !== n[3] || Number(n[2]) < Number(o[2]);
    return Number(n[2]) < Number(o[2]);
  }
  if (o?.[1] === 'varchar' && newColumn.dbType === 'text') return false;
  return true;
}

/** How InnoDB changes a column type: a VARCHAR grown within its length-byte size is in place. */
function mysqlTypeChange(oldColumn: Column, newColumn: Column): 'instant' | 'inplace' | 'copy' {
  const o = /^varchar\((\d+)\)$/.exec(oldColumn.dbType);
  const n = /^varchar\((\d+)\)$/.exec(newColumn.dbType);
  if (o && n && Number(n[1]) >= Number(o[1]) && (Number(o[1]) * 4 < 256) === (Number(n[1]) * 4 < 256)) return 'instant';
  return 'copy';
}


