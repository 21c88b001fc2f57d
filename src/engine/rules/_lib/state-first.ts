/**
 * The database half of a state-first removal: an earlier migration removed a field or model from
 * the state only (SeparateDatabaseAndState with the removal in state_operations), and this RunSQL
 * drops the column or table it left behind. No code still deployed uses it, so the drop is not the
 * rolling-deploy break a plain DROP is, and the state needs no change here.
 */
import type { MigrationFile, Operation } from '../../types.js';
import type { MigrationRuleContext } from '../types.js';
import { bareIdentifier } from './sql.js';
import type { LocatedStatement } from './sql.js';
import { defaultTableName } from './tables.js';

const DROP_TABLE = /^DROP TABLE (?:IF EXISTS )?([^ ;]+)/;
const DROP_COLUMN = /^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?([^ ]+) DROP (?:COLUMN )?(?:IF EXISTS )?([^ ;]+)/;

interface Removals {
  tables: Set<string>;
  /** `table.column`. */
  columns: Set<string>;
}

/** Migrations this one depends on, transitively, among those read. */
function ancestors(ctx: Pick<MigrationRuleContext, 'migration' | 'files'>): MigrationFile[] {
  const files = ctx.files;
  if (!files) return [];
  const seen = new Set<string>();
  const out: MigrationFile[] = [];
  const queue = [ctx.migration];
  while (queue.length > 0) {
    const file = queue.pop()!;
    for (const dep of file.dependencies) {
      if (!('app' in dep)) continue;
      const key = `${dep.app}.${dep.name}`;
      const found = files.get(key);
      if (seen.has(key) || !found) continue;
      seen.add(key);
      out.push(found);
      queue.push(found);
    }
  }
  return out;
}

function str(op: Operation, key: string): string | undefined {
  const value = op.args[key];
  return value?.kind === 'str' ? value.value : undefined;
}

function collect(file: MigrationFile, into: Removals): void {
  for (const op of file.operations) {
    if (op.type !== 'SeparateDatabaseAndState') continue;
    const dropsInDatabase = (op.children?.['database_operations'] ?? []).some((child) => child.type === 'RemoveField' || child.type === 'DeleteModel');
    if (dropsInDatabase) continue;
    for (const child of op.children?.['state_operations'] ?? []) {
      const model = child.model ?? str(child, 'name');
      if (child.type === 'DeleteModel' && model) into.tables.add(defaultTableName(file.app, model));
      const field = str(child, 'name');
      const modelName = str(child, 'model_name');
      if (child.type === 'RemoveField' && field && modelName) {
        const table = defaultTableName(file.app, modelName);
        into.columns.add(`${table}.${field.toLowerCase()}`);
        into.columns.add(`${table}.${field.toLowerCase()}_id`);
      }
    }
  }
}

const cache = new WeakMap<MigrationFile, Removals>();

function removals(ctx: Pick<MigrationRuleContext, 'migration' | 'files'>): Removals {
  let found = cache.get(ctx.migration);
  if (!found) {
    found = { tables: new Set(), columns: new Set() };
    for (const file of ancestors(ctx)) collect(file, found);
    cache.set(ctx.migration, found);
  }
  return found;
}

/** The statement drops a table or column an earlier migration already removed from the state only. */
export function dropsStateFirstRemoval(ctx: Pick<MigrationRuleContext, 'migration' | 'files'>, statement: Pick<LocatedStatement, 'masked' | 'text'>): boolean {
  const table = DROP_TABLE.exec(statement.text.trim());
  if (table) return removals(ctx).tables.has(bareIdentifier(table[1]!));
  const column = DROP_COLUMN.exec(statement.text.trim());
  if (column && !/^(CONSTRAINT|INDEX|KEY|PRIMARY|FOREIGN|CHECK|DEFAULT|NOT)$/i.test(column[2]!)) return removals(ctx).columns.has(`${bareIdentifier(column[1]!)}.${bareIdentifier(column[2]!)}`);
  return false;
}
