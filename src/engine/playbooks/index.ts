/**
 * The playbook registry and `diagnose(text)`: scan a paste line by line, let every playbook
 * recognise its error once, and fill each diagnosis with the names found in the paste.
 */
import type { Database } from '../types.js';
import alreadyExists from './already-exists.js';
import appRegistryNotReady from './app-registry-not-ready.js';
import cannotSerialize from './cannot-serialize.js';
import circularDependency from './circular-dependency.js';
import concurrentIndexInTransaction from './concurrent-index-in-transaction.js';
import conflictingMigrations from './conflicting-migrations.js';
import ddlInTransaction from './ddl-in-transaction.js';
import graphConstructionError from './graph-construction-error.js';
import incompatibleAlterField from './incompatible-alter-field.js';
import inconsistentMigrationHistory from './inconsistent-migration-history.js';
import indexKeyTooLong from './index-key-too-long.js';
import irreversibleMigration from './irreversible-migration.js';
import lockTimeout from './lock-timeout.js';
import missingTableOrColumn from './missing-table-or-column.js';
import mixedMigrationPlan from './mixed-migration-plan.js';
import nodeNotFound from './node-not-found.js';
import nonNullableFieldPrompt from './non-nullable-field-prompt.js';
import nullValuesBlockNotNull from './null-values-block-not-null.js';
import pendingTriggerEvents from './pending-trigger-events.js';
import rollingDeployNotNull from './rolling-deploy-not-null.js';
import sqliteSchemaEditor from './sqlite-schema-editor.js';
import uniqueIndexDuplicates from './unique-index-duplicates.js';
import unmigratedModelChanges from './unmigrated-model-changes.js';
import type { Confidence, Diagnosis, Extracted, Playbook } from './types.js';

export type { Confidence, Diagnosis, Extracted, Playbook, PlaybookCase, RecoveryStep } from './types.js';
export { compareWithGraph, parseShowMigrations } from './showmigrations.js';
export type { GraphComparison, ShowMigrations, ShowMigrationsEntry } from './showmigrations.js';

/** Every playbook, sorted by id (the order diagnoses on the same line are listed in). */
export const playbooks: readonly Playbook[] = [
  alreadyExists,
  appRegistryNotReady,
  cannotSerialize,
  circularDependency,
  concurrentIndexInTransaction,
  conflictingMigrations,
  ddlInTransaction,
  graphConstructionError,
  incompatibleAlterField,
  inconsistentMigrationHistory,
  indexKeyTooLong,
  irreversibleMigration,
  lockTimeout,
  missingTableOrColumn,
  mixedMigrationPlan,
  nodeNotFound,
  nonNullableFieldPrompt,
  nullValuesBlockNotNull,
  pendingTriggerEvents,
  rollingDeployNotNull,
  sqliteSchemaEditor,
  uniqueIndexDuplicates,
  unmigratedModelChanges,
];

export const playbookById: ReadonlyMap<string, Playbook> = new Map(playbooks.map((playbook) => [playbook.id, playbook]));

/** Error lines longer than this are cut before matching: messages sit at the start of their line. */
const MAX_LINE = 8_000;
/** How many lines after a match a playbook may read (PostgreSQL DETAIL/HINT lines). */
const FOLLOWING = 3;
/** `migrate` prints `  Applying shop.0042_x...` before each migration and ` OK` after it. */
const applyingLine = /Applying (\w+)\.(\w+)\.\.\.( OK)?/;

const confidenceRank: Record<Confidence, number> = { high: 0, medium: 1, low: 2 };

/** The database vendor a paste comes from, from driver and exception names. */
export function detectDatabase(text: string): Database | undefined {
  if (/psycopg|postgres|SQLSTATE/i.test(text)) return 'postgresql';
  if (/mariadb/i.test(text)) return 'mariadb';
  if (/MySQLdb|pymysql|mysql/i.test(text)) return 'mysql';
  if (/cx_Oracle|oracledb|ORA-\d{5}/.test(text)) return 'oracle';
  if (/sqlite3|sqlite/i.test(text)) return 'sqlite';
  return undefined;
}

function clean(extracted: Extracted): Extracted {
  const out: Extracted = {};
  for (const [key, value] of Object.entries(extracted)) if (value !== undefined && value !== '') out[key] = value;
  return out;
}

/**
 * Recognise migration errors in pasted text. Returns one diagnosis per recognised playbook, in
 * the order they appear in the paste; an empty list when nothing was recognised.
 */
export function diagnose(text: string): Diagnosis[] {
  const lines = text.split('\n');
  const database = detectDatabase(text.length > 200_000 ? text.slice(0, 200_000) : text);
  const found: Array<{ playbook: Playbook; index: number; line: string; extracted: Extracted; confidence: Confidence }> = [];
  const seen = new Set<string>();
  let applying: { app: string; migration: string } | undefined;

  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? '';
    const line = (raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw).replace(/\r$/, '');
    const apply = applyingLine.exec(line);
    if (apply) applying = apply[3] ? undefined : { app: apply[1] ?? '', migration: apply[2] ?? '' };
    for (const playbook of playbooks) {
      if (seen.has(playbook.id)) continue;
      for (const pattern of playbook.patterns) {
        const match = pattern.regex.exec(line);
        if (!match) continue;
        const following = lines.slice(index + 1, index + 1 + FOLLOWING).map((next) => next.slice(0, MAX_LINE));
        const extracted: Extracted = clean(pattern.extract(match, following));
        if (applying) {
          extracted.failingMigration = `${applying.app}.${applying.migration}`;
          if (!extracted.app && !extracted.migration) {
            extracted.app = applying.app;
            extracted.migration = applying.migration;
          }
        }
        if (!extracted.database && database) extracted.database = database;
        found.push({ playbook, index, line, extracted, confidence: pattern.confidence ?? 'high' });
        seen.add(playbook.id);
        break;
      }
    }
  }

  // A weak hint ("Migrations for 'shop':") is noise next to a real error.
  const best = Math.min(...found.map((f) => confidenceRank[f.confidence]));
  return found
    .filter((f) => f.confidence !== 'low' || best === confidenceRank.low)
    .map(({ playbook, line, extracted, confidence }) => ({
      id: playbook.id,
      title: playbook.title,
      matched: line.trim().slice(0, 300),
      extracted,
      ...playbook.explain(extracted),
      confidence,
    }));
}
