/**
 * The `predict_sql` model tool: the statements Django would run for one migration (a file of the
 * repository in play, or migration source the model passes), each with the lock it takes and whether it
 * rewrites or scans the table, and `not predicted` where the engine cannot know. Offline: no database is
 * contacted. The repository edge supplies `MigrationLookup`; without one only `source` is accepted.
 */
import { z } from 'zod';
import { DATABASES, EngineSettingsError, initParser, parseMigration, parseSnippet, resolveSettings } from '../engine/index.js';
import type { EngineSettings, MigrationFile } from '../engine/index.js';
import { predictStatements, renderMigrationSql, renderSqlHeader } from '../engine/report/sql.js';
import type { SqlTarget } from '../engine/sql/index.js';
import { AppError } from '../errors.js';
import type { ExpertTool } from './types.js';

export const PREDICT_SQL_TOOL = 'predict_sql';
/** Pasted sources are migrations; anything longer is not one file. */
const MAX_SOURCE_CHARS = 100_000;
/** Where a source the model passes is parsed; its app then comes from its dependencies when it has any. */
const SOURCE_APP = 'pasted';
const SOURCE_NAME = '9999_passed_to_tool';
const SOURCE_PATH = `${SOURCE_APP}/migrations/${SOURCE_NAME}.py`;

/** A migration of the repository in play, with the files its prediction needs as context. */
export interface FoundMigration {
  /** The migration's path, as the prediction names it. */
  target: string;
  /** The target and the rest of its app (and what it depends on), parsed. */
  files: MigrationFile[];
  /** Said with the result: context that could not be read. */
  notes: string[];
}

export interface MigrationLookup {
  /** The repository as named to the model, e.g. `acme/shop (main)`. */
  where: string;
  /** A path or `app/0042_name` reference; a sentence saying why when there is no such migration. */
  find(path: string): Promise<FoundMigration | string>;
}

export interface PredictSqlToolOptions {
  /** The channel's database and version: the default target. */
  settings: EngineSettings;
  repo?: MigrationLookup;
  /** Migrations of the question (pasted, shared) that a passed source may build on. */
  context?: readonly MigrationFile[];
}

const input = z
  .object({
    path: z.string().trim().min(1).max(500).optional(),
    source: z.string().min(1).max(MAX_SOURCE_CHARS).optional(),
    database: z.enum(DATABASES).optional(),
    version: z.string().trim().regex(/^\d+(?:\.\d+){0,2}$/, 'must look like 16 or 8.0.32').optional(),
  })
  .refine((value) => (value.path === undefined) !== (value.source === undefined), { message: 'give exactly one of path and source' });

type PredictInput = z.infer<typeof input>;

function parseInput(raw: unknown): PredictInput {
  const result = input.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || 'input'} ${issue.message}`).join('; ');
  throw new AppError('unknown', `Bad input for ${PREDICT_SQL_TOOL}: ${issues}.`);
}

function definition(options: PredictSqlToolOptions) {
  const { settings, repo } = options;
  const target = `${settings.database}${settings.databaseVersion ? ` ${settings.databaseVersion}` : ''}`;
  const from = repo ? `a migration of ${repo.where} (\`path\`) or migration source you pass (\`source\`)` : 'migration source you pass (`source`: a whole migration file)';
  return {
    name: PREDICT_SQL_TOOL,
    description: `Predict the SQL Django runs for ${from}, per operation, on ${target} unless \`database\`/\`version\` say otherwise. Each statement says the lock it takes (PostgreSQL lock mode and relation, or MySQL/MariaDB ALGORITHM and LOCK) and whether it rewrites or scans the table; operations the engine cannot know (RunPython, custom operations, models it has not seen) are marked "not predicted". A static prediction, no database contacted: quote statements from it rather than writing SQL from memory.`,
    input_schema: {
      type: 'object' as const,
      properties: {
        ...(repo ? { path: { type: 'string', description: 'Migration path in the repository, or app/migration name.' } } : {}),
        source: { type: 'string', description: 'The full text of a migration file.' },
        database: { type: 'string', enum: [...DATABASES], description: 'Target database (default: the channel’s).' },
        version: { type: 'string', description: 'Target database version, e.g. 16 or 8.0.32.' },
      },
    },
  };
}

export function createPredictSqlTool(options: PredictSqlToolOptions): ExpertTool {
  return {
    definition: definition(options),
    describe: (raw) => {
      const path = (raw as { path?: unknown } | undefined)?.path;
      return typeof path === 'string' ? `Predicting the SQL of ${path.trim()}…` : 'Predicting the SQL of a migration…';
    },
    run: async (raw) => predict(options, parseInput(raw)),
  };
}

function targetFor(settings: EngineSettings, given: PredictInput): SqlTarget {
  const database = given.database ?? settings.database;
  // A version belongs to its database: another database without a version gets that one's default.
  const version = given.version ?? (database === settings.database ? settings.databaseVersion : undefined);
  try {
    return { database, version: resolveSettings({ database, ...(version === undefined ? {} : { databaseVersion: version }) }).versionText };
  } catch (error) {
    if (error instanceof EngineSettingsError) throw new AppError('unknown', `Bad input for ${PREDICT_SQL_TOOL}: ${error.message}`);
    throw error;
  }
}

async function predict(options: PredictSqlToolOptions, given: PredictInput): Promise<string> {
  const target = targetFor(options.settings, given);
  const found = given.path === undefined ? await fromSource(options, given.source ?? '') : await fromRepo(options.repo, given.path);
  if (typeof found === 'string') return found;
  const migrations = await predictStatements(found.files, target, { targets: [found.target], ...(options.settings.swappable ? { swappable: options.settings.swappable } : {}) });
  const context = found.files.length - 1;
  const lines = [
    `Predicted SQL (static reading, no database contacted) for ${target.database} ${target.version}${context > 0 ? `, with ${context} other migration${context === 1 ? '' : 's'} read as context` : ''}. "not predicted" means unknown: say so rather than guessing that SQL.`,
    renderSqlHeader(target, migrations),
    ...migrations.map(renderMigrationSql),
    ...found.notes,
  ];
  return lines.join('\n');
}

async function fromRepo(repo: MigrationLookup | undefined, path: string): Promise<FoundMigration | string> {
  if (repo === undefined) return `No repository is in play here, so ${path} cannot be read: pass the migration's text as \`source\` instead.`;
  return repo.find(path);
}

/** A passed source, with the question's other migrations as context (an earlier CreateModel…). */
async function fromSource(options: PredictSqlToolOptions, source: string): Promise<FoundMigration> {
  await initParser();
  const context = options.context ?? [];
  const file = nameSource(parseSource(source), context);
  const fingerprint = JSON.stringify(file.operations);
  // The model often passes back a migration pasted in the question: that one is the target, not its context.
  const others = context.filter((other) => JSON.stringify(other.operations) !== fingerprint);
  const notes = file.operations.length === 0 ? ['The source holds no operations the parser could read: pass a whole migration file.'] : [];
  return { target: file.path, files: [...others, file], notes };
}

function parseSource(source: string): MigrationFile {
  const whole = parseMigration(source, { path: SOURCE_PATH });
  return whole.hasMigrationClass ? whole : (parseSnippet(source, { path: SOURCE_PATH }) ?? whole);
}

/** A migration depends on its own app's previous one, so its first dependency (in the context if one is) names the app. */
function nameSource(file: MigrationFile, context: readonly MigrationFile[]): MigrationFile {
  const apps = file.dependencies.flatMap((dep) => ('app' in dep ? [dep.app] : []));
  const app = apps.find((candidate) => context.some((other) => other.app === candidate)) ?? apps[0] ?? SOURCE_APP;
  let name = SOURCE_NAME;
  for (let n = 2; context.some((other) => other.app === app && other.name === name); n++) name = `${SOURCE_NAME}_${n}`;
  return { ...file, app, name, path: `${app}/migrations/${name}.py` };
}
