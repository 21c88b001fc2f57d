/** Parse a case's tree, generate its fix, and read both trees' final states the same way. */
import { analyze, buildGraph, initParser, parseMigration, replayState } from '../../../src/engine/index.js';
import type { EngineSettings, Finding, MigrationFile } from '../../../src/engine/index.js';
import { generateFix } from '../../../src/engine/fix/index.js';
import type { FixResult } from '../../../src/engine/fix/index.js';
import { INITIAL, riskyMigration } from './cases.js';

export const INITIAL_PATH = 'shop/migrations/0001_initial.py';
export const RISKY_PATH = 'shop/migrations/0002_change.py';

/** `initial`: the 0001 migration the risky one follows (the shop app's by default). */
export async function caseTree(operation: string, initial = INITIAL): Promise<{ files: MigrationFile[]; source: string }> {
  await initParser();
  const source = riskyMigration(operation);
  return { files: [parseMigration(initial, { path: INITIAL_PATH }), parseMigration(source, { path: RISKY_PATH })], source };
}

export async function fixCase(
  operation: string,
  settings: Partial<EngineSettings> = { database: 'postgresql', databaseVersion: '16' },
  initial = INITIAL,
): Promise<{ original: MigrationFile[]; fixed: MigrationFile[]; result: FixResult }> {
  const { files, source } = await caseTree(operation, initial);
  const result = generateFix({ files, path: RISKY_PATH, source, settings });
  const fixed = [files[0]!, ...result.files.map((file) => parseMigration(file.source, { path: file.path }))];
  return { original: files, fixed, result };
}

/**
 * The final state as plain data: models by name, fields sorted by name, source lines left out. An
 * option set to None counts as unset (`AlterModelTable(table=None)`): Django's Options falls back to
 * the default for both, and makemigrations sees no change between them.
 */
export function finalState(files: readonly MigrationFile[]): unknown {
  const state = replayState(files, buildGraph(files)).final();
  const models = state.models().map((model) => ({
    app: model.app,
    name: model.name,
    fields: [...model.fields.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    options: Object.fromEntries(Object.entries(model.options).filter(([, value]) => value.kind !== 'none')),
  }));
  return JSON.parse(JSON.stringify(models, (key, value: unknown) => (key === 'line' || key === 'classPath' ? undefined : value instanceof Map ? [...value.entries()] : value)));
}

export function risks(files: MigrationFile[], targets: string[], settings: Partial<EngineSettings>): Finding[] {
  return analyze(files, settings, { targets }).findings.filter((finding) => finding.severity !== 'info');
}
